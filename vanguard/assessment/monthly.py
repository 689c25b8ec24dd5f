"""The monthly assessment (党员月度考评, issue 4 points 1–3) as pure functions over plain
data: the services, the close job and the tests call these, so the formula is written once.

Source: seed 000 (监督管理): 严格制定支部党员月度考评管理办法，依据考评办法的规定打分，每月在
党小组会进行通报，对于不合格的党员进行一定的经济处罚，并把考评结果存档，作为年度优秀党员评选的依据.

The rules (docs/decisions/0009-monthly-assessment.md):

- a member starts the month at the base score (default 100);
- each item adds (points > 0) or deducts (points < 0); an item's entries of one month are
  summed and the sum is limited to the item's monthly limit (its absolute value: a
  deduction item with limit 20 takes at most 20 points off in a month, however many
  entries were recorded);
- the score is the base plus the limited sums, then kept between the floor and the cap;
- the score is exact (`Decimal`, entries have at most one decimal) and rounded half up to
  one decimal only at the end (`rules.round_half_up`, shared with the appraisal);
- qualified when the score is at least the pass mark (80 exactly is qualified); an
  unqualified month costs the penalty (yuan);
- ranks in the group and in the branch are competition ranks, ties sharing a rank
  (1, 2, 2, 4), as for the appraisal (`rules.rank`).

Nothing here reads the clock or the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from vanguard.assessment.rules import rank, round_half_up

ZERO = Decimal(0)


@dataclass(frozen=True)
class Item:
    """One item of the rules: `points` is the usual amount and gives the item's sign
    (positive adds, negative deducts); `monthly_limit` caps the absolute monthly sum
    (None: no limit)."""

    id: Hashable
    name: str
    points: Decimal
    monthly_limit: Decimal | None = None

    @property
    def is_bonus(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class Rules:
    base: Decimal
    floor: Decimal
    cap: Decimal
    pass_mark: Decimal
    penalty: Decimal
    items: Mapping[Hashable, Item] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    item_id: Hashable
    points: Decimal


@dataclass(frozen=True)
class ItemTotal:
    item: Item
    recorded: Decimal  # the sum of the month's entries
    counted: Decimal  # after the monthly limit

    @property
    def limited(self) -> bool:
        return self.counted != self.recorded


@dataclass(frozen=True)
class MonthScore:
    score: Decimal
    qualified: bool
    penalty: Decimal
    raw: Decimal  # base + counted sums, before floor and cap
    items: tuple[ItemTotal, ...]

    def explain(self, rules: Rules) -> list[str]:
        lines = [f"基础分 {rules.base}"]
        for t in self.items:
            text = f"{t.item.name}：{_signed(t.recorded)}"
            if t.limited:
                text += f"，超过每月上限 {t.item.monthly_limit}，计 {_signed(t.counted)}"
            lines.append(text)
        if self.raw < rules.floor:
            lines.append(f"合计 {self.raw}，低于保底分，按 {rules.floor} 计")
        elif self.raw > rules.cap:
            lines.append(f"合计 {self.raw}，超过封顶分，按 {rules.cap} 计")
        verdict = "合格" if self.qualified else f"不合格（合格线 {rules.pass_mark}），处罚 {self.penalty} 元"
        lines.append(f"得分 {self.score}，{verdict}")
        return lines


def _signed(value: Decimal) -> str:
    return f"+{value}" if value > 0 else str(value)


class InvalidEntry(ValueError):
    def __init__(self, message: str, code: str = "invalid"):
        self.message, self.code = message, code
        super().__init__(message)


def check_entry(rules: Rules, item_id: Hashable, points: Decimal) -> None:
    """An entry must name an item of the rules in force, and its points must have the
    item's sign (a bonus item never deducts) and not be zero."""
    item = rules.items.get(item_id)
    if item is None:
        raise InvalidEntry("考评项目：不属于该月适用的考评办法", "item")
    if points == 0 or (points > 0) != item.is_bonus:
        sign = "加分（正数）" if item.is_bonus else "扣分（负数）"
        raise InvalidEntry(f"分值：“{item.name}”是{sign}项目，实为 {points}", "sign")
    if item.monthly_limit is not None and abs(points) > item.monthly_limit:
        raise InvalidEntry(
            f"分值：“{item.name}”每月最多 {item.monthly_limit} 分，实为 {abs(points)}", "limit"
        )


def score_month(rules: Rules, entries: Iterable[Entry]) -> MonthScore:
    """One member's month under `rules`. Entries of unknown items are refused (the
    service validated them when they were recorded; a mismatch here is a bug)."""
    sums: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        if e.item_id not in rules.items:
            raise InvalidEntry(f"考评项目 {e.item_id} 不属于该月适用的考评办法", "item")
        sums[e.item_id] += Decimal(e.points)
    totals = []
    for item_id, recorded in sums.items():
        item = rules.items[item_id]
        counted = recorded
        if item.monthly_limit is not None:
            limit = abs(item.monthly_limit)
            counted = max(-limit, min(limit, recorded))
        totals.append(ItemTotal(item, recorded, counted))
    raw = rules.base + sum((t.counted for t in totals), ZERO)
    kept = max(rules.floor, min(rules.cap, raw))
    score = round_half_up(kept, 1)
    qualified = score >= rules.pass_mark
    return MonthScore(score, qualified, ZERO if qualified else rules.penalty, raw, tuple(totals))


@dataclass(frozen=True)
class Ranked:
    id: Hashable
    group_rank: int | None
    branch_rank: int


def rank_branch(members: Sequence[tuple[Hashable, Hashable | None, Decimal]]) -> dict[Hashable, Ranked]:
    """Ranks of (member id, group id, score) rows of one branch: in the branch among
    everyone, in the group among the members of the same group (none without a group)."""
    branch_ranks = rank([s for _, _, s in members])
    by_group: dict[Hashable, list[int]] = defaultdict(list)
    for i, (_, group, _) in enumerate(members):
        if group is not None:
            by_group[group].append(i)
    group_ranks: dict[int, int] = {}
    for indices in by_group.values():
        for i, r in zip(indices, rank([members[i][2] for i in indices]), strict=True):
            group_ranks[i] = r
    return {m[0]: Ranked(m[0], group_ranks.get(i), branch_ranks[i]) for i, m in enumerate(members)}


def month_of(day: date) -> date:
    """The month a date belongs to, as its first day (months are stored that way)."""
    return day.replace(day=1)


def parse_month(text: str | None) -> date | None:
    """ "2026-03" (or "2026-03-15") → date(2026, 3, 1); None for anything else."""
    if not text:
        return None
    try:
        parts = [int(p) for p in text.strip().split("-")[:2]]
        return date(parts[0], parts[1], 1) if len(parts) == 2 else None
    except ValueError:
        return None


# --- group leaders (issue 4 point 4) ---------------------------------------------------------


@dataclass(frozen=True)
class LeaderScore:
    """A group leader's month: their own score blended with the mean of their group's
    members' scores (the leader left out) by `weight` percent. `group_mean` is None when
    the rule is off (weight 0) or the group has no other member: the score is then the
    leader's own."""

    own: Decimal
    group_mean: Decimal | None
    weight: int
    score: Decimal

    def explain(self) -> list[str]:
        if self.group_mean is None:
            return []
        return [
            f"党小组长：本人得分 {self.own} × {100 - self.weight}% + 小组党员平均分 "
            f"{round_half_up(self.group_mean, 2)} × {self.weight}% = {self.score}"
        ]


def leader_score(own: Decimal, group_scores: Sequence[Decimal], weight: int) -> LeaderScore:
    """own × (100 − weight)% + mean(group_scores) × weight%, exact, rounded half up to one
    decimal at the end. Weight 0 (the default) or no other member in the group: own.
    Both parts lie between the floor and the cap, so the blend does too."""
    if not 0 <= weight <= 100:
        raise ValueError("weight must be 0–100")
    own = Decimal(own)
    if weight == 0 or not group_scores:
        return LeaderScore(own, None, weight, own)
    mean = sum((Decimal(s) for s in group_scores), ZERO) / len(group_scores)
    blended = (own * (100 - weight) + mean * weight) / 100
    return LeaderScore(own, mean, weight, round_half_up(blended, 1))


# --- the year (issue 4 point 5) ----------------------------------------------------------------


@dataclass(frozen=True)
class YearMonth:
    month: date
    score: Decimal
    qualified: bool


@dataclass(frozen=True)
class Shortlisted:
    id: Hashable
    total: Decimal
    months: int
    rank: int


def shortlist(
    archived_months: Iterable[date], rows: Mapping[Hashable, Iterable[YearMonth]]
) -> list[Shortlisted]:
    """The shortlist for the yearly excellent-member selection, from the archive: a member
    with a result in every month the branch archived that year (`archived_months`; the
    rows hold archived months only, scores after amendments) and no unqualified month,
    ordered by the year's total score, ties sharing a rank (1, 2, 2, 4). No archived
    month: nobody."""
    needed = set(archived_months)
    if not needed:
        return []
    eligible = []
    for member_id, months in rows.items():
        months = [m for m in months if m.month in needed]
        if {m.month for m in months} != needed or not all(m.qualified for m in months):
            continue
        eligible.append((member_id, sum((m.score for m in months), ZERO)))
    eligible.sort(key=lambda e: -e[1])
    ranks = rank([t for _, t in eligible])
    return [Shortlisted(i, t, len(needed), r) for (i, t), r in zip(eligible, ranks, strict=True)]
