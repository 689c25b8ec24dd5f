"""The structure figure (结构比例) and 双培, computed from plain rows.

Seed 001 (四步之二 拓源头): "每年发展党员中生产工作一线、高知识群体和青年比例占75%以上"
— of each year's new members, at least 75% are from the front line, highly educated or
young. Seed 003: "把党员培养成为生产骨干，把生产骨干培养成为党员" (双培).

Pure: no Django, no clock. The selectors (`plans.py`) read the rows with one query and
hand them here; the tests feed rows by hand. Decisions: docs/decisions/0006-four-steps.md.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

# Seed 001: "75%以上". Read as "at least 75%": exactly 75% meets the target.
TARGET = Fraction(3, 4)
# "青年": under 35 on the day of approval (the Communist Youth League's upper age is 28;
# enterprise statistics of new members count 35 and under as young — we take "under
# 35", as issue 3 asks, so a person whose 35th birthday is the approval day is not young).
YOUNG_BELOW = 35
# The same codes as vanguard.people.models.HIGHLY_EDUCATED (大专及以上); a test keeps
# the two equal, since this module does not import Django models.
HIGHLY_EDUCATED = frozenset({"postgraduate", "bachelor", "college"})

# Where a new member came from, for the plan's sources (二步拓源头: "生产一线的班组长以及
# 技术员"). The first that holds wins, so each person has one source.
SOURCE_TEAM_LEADER = "team_leader"
SOURCE_TECHNICIAN = "technician"
SOURCE_FRONTLINE = "frontline"
SOURCE_OTHER = "other"
SOURCES = (SOURCE_TEAM_LEADER, SOURCE_TECHNICIAN, SOURCE_FRONTLINE, SOURCE_OTHER)
SOURCE_LABELS = {
    SOURCE_TEAM_LEADER: "一线班组长",
    SOURCE_TECHNICIAN: "专业技术人员",
    SOURCE_FRONTLINE: "其他一线职工",
    SOURCE_OTHER: "其他人员",
}
# A team leader's post says so: 班长, 副班长, 班组长 (the register keeps the post as text).
TEAM_LEADER_MARK = "班长"


@dataclass(frozen=True)
class NewMember:
    """A person the party committee approved in the year (细则 art. 23)."""

    person_id: int
    branch_id: int
    approved_on: date
    birth_date: date | None = None
    is_frontline: bool = False
    education: str = ""
    is_technician: bool = False
    job_post: str = ""
    name: str = ""
    backbone_at_entry: bool = False


def age_on(birth: date, on: date) -> int:
    """Completed years on `on`. Someone born on 29 February has their birthday on 1
    March in a common year (they are not a year older on 28 February)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_young(row: NewMember) -> bool:
    return row.birth_date is not None and age_on(row.birth_date, row.approved_on) < YOUNG_BELOW


def is_highly_educated(row: NewMember) -> bool:
    return row.education in HIGHLY_EDUCATED


def qualifies(row: NewMember) -> bool:
    """Counts toward the structure figure: frontline, highly educated or young — once,
    however many of the three hold."""
    return row.is_frontline or is_highly_educated(row) or is_young(row)


def source_of(row: NewMember) -> str:
    if TEAM_LEADER_MARK in (row.job_post or ""):
        return SOURCE_TEAM_LEADER
    if row.is_technician:
        return SOURCE_TECHNICIAN
    if row.is_frontline:
        return SOURCE_FRONTLINE
    return SOURCE_OTHER


@dataclass
class Figure:
    """The structure figure of a set of new members, with the counts behind it."""

    total: int = 0
    qualifying: int = 0
    frontline: int = 0
    highly_educated: int = 0
    young: int = 0
    backbones: int = 0  # 双培: backbones who became members
    sources: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))

    def add(self, row: NewMember) -> None:
        self.total += 1
        self.qualifying += qualifies(row)
        self.frontline += row.is_frontline
        self.highly_educated += is_highly_educated(row)
        self.young += is_young(row)
        self.backbones += row.backbone_at_entry
        self.sources[source_of(row)] += 1

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.qualifying, self.total) if self.total else None

    @property
    def meets_target(self) -> bool | None:
        """None when there were no new members: nothing to judge."""
        return None if self.share is None else self.share >= TARGET

    @property
    def percent(self) -> str:
        """The share for display, one decimal ("75.0%"); "—" with no new members."""
        if self.share is None:
            return "—"
        tenths = (self.qualifying * 2000 // self.total + 1) // 2  # per mille, half up
        return f"{tenths // 10}.{tenths % 10}%"

    @property
    def source_list(self) -> list[tuple[str, int]]:
        return [(SOURCE_LABELS[s], self.sources[s]) for s in SOURCES]


def figure(rows: Iterable[NewMember]) -> Figure:
    out = Figure()
    for row in rows:
        out.add(row)
    return out


def figures_by(rows: Iterable[NewMember], keys: Callable[[NewMember], Iterable[Hashable]]) -> dict:
    """One Figure per key; `keys` gives every key a row counts under (a branch counts
    under each committee above it)."""
    out: dict = {}
    for row in rows:
        for key in keys(row):
            out.setdefault(key, Figure()).add(row)
    return out


# --- 双培 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackboneChange:
    """A change of a person's 生产骨干 flag, from the person's history (PersonEvent)."""

    person_id: int
    on: date
    old: bool
    new: bool


def value_on(current: bool, changes: Iterable[BackboneChange], on: date) -> bool:
    """The flag as it stood at the end of `on`: the old value of the first change dated
    after `on`, or the current value when nothing changed since."""
    later = sorted((c for c in changes if c.on > on), key=lambda c: c.on)
    return later[0].old if later else current


def became_backbone_as_member(
    changes: Iterable[BackboneChange], *, join_date: date | None, year: int
) -> date | None:
    """The day in `year` a member became a production backbone (党员培养成生产骨干):
    the flag went from no to yes while they were a member (on or after the join date).
    None if it did not happen."""
    if join_date is None:
        return None
    for c in sorted(changes, key=lambda c: c.on):
        if c.on.year == year and not c.old and c.new and c.on >= join_date:
            return c.on
    return None
