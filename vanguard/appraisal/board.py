"""挂旗 — reads of the flag board (评比台, seed 004: 按照100-90、89-80、79-70和69分及以下的标准,
分别挂红旗、黄旗、蓝旗、灰旗; issue 4 point 9).

A cycle's board shows, per branch, every member with their flag, score and rank — never
who evaluated whom. It exists once the cycle is published (or archived): before that
there is nothing to show to anyone.

Who sees a branch's board (docs/decisions/0014):
- appraisal.view in scope: the organisation department, the committees above, the
  branch secretary and the branch committee members;
- the group leaders of the branch: the board is published to the whole branch, and a
  group leader is one of its members, so they see the whole branch's board (not only
  their group);
- the members of the branch themselves ("the results are published to the branch").

Every read takes a constant number of queries, whatever the number of members."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from vanguard.accounts.models import Role
from vanguard.accounts.policy import Scope, member_person_id, scope_of
from vanguard.appraisal.models import Cycle, CycleResult, CycleState, Flag
from vanguard.assessment import rules
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.organizations.models import Organization
from vanguard.people.models import Person

SHOWN_STATES = (CycleState.PUBLISHED, CycleState.ARCHIVED)
FLAGS = tuple(rules.FLAGS)  # red, yellow, blue, grey: best first
FLAG_LABELS = dict(rules.FLAG_LABELS)
FLAG_RANGES = dict(rules.FLAG_RANGES)


# --- who may look ---------------------------------------------------------------------------


def _parent_id(path: str) -> int | None:
    parts = [int(p) for p in path.strip("/").split("/") if p]
    return parts[-2] if len(parts) >= 2 else None


def _led_branch_ids(scope: Scope) -> set[int]:
    """The branches whose groups the user leads (a group's parent is its branch)."""
    return {
        pid
        for g in scope.grants
        if g.role == Role.GROUP_LEADER and (pid := _parent_id(g.org_path)) is not None
    }


def _officer_grants(scope: Scope):
    return [g for g in scope.grants_for("appraisal.view") if g.role != Role.GROUP_LEADER]


def own_branch_id(user) -> int | None:
    """The branch of the user's own person record (one query; None for an account that
    is not a person or a person outside any branch)."""
    person_id = member_person_id(user)
    if person_id is None:
        return None
    found = getattr(user, "_appraisal_own_branch", "unset")
    if found == "unset":
        found = Person.objects.filter(pk=person_id).values_list("branch_id", flat=True).first()
        user._appraisal_own_branch = found
    return found


def may_see_board(user, branch: Organization) -> bool:
    scope = scope_of(user)
    if scope.allows_org("appraisal.view", branch) and branch.kind == "branch":
        return True
    if branch.pk in _led_branch_ids(scope):
        return True
    return own_branch_id(user) == branch.pk


def branches_q(user, prefix: str = "branch__") -> Q:
    """The branches whose boards the user may see, as a filter on an Organization
    (`prefix` points at it from another model)."""
    scope = scope_of(user)
    if scope.is_enterprise:
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    for g in _officer_grants(scope):
        q |= Q(**{f"{prefix}path__startswith": g.org_path})
    ids = _led_branch_ids(scope)
    own = own_branch_id(user)
    if own is not None:
        ids.add(own)
    if ids:
        q |= Q(**{f"{prefix}pk__in": sorted(ids)})
    return q


# --- cycles ---------------------------------------------------------------------------------


def _related_q(user) -> Q:
    """Cycles of an organisation inside the user's scope, or above a branch they see."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    for g in _officer_grants(scope):
        q |= Q(organization__path__startswith=g.org_path)
        q |= Q(organization_id__in=[int(p) for p in g.org_path.strip("/").split("/") if p])
    branch_ids = _led_branch_ids(scope)
    own = own_branch_id(user)
    if own is not None:
        branch_ids.add(own)
    if branch_ids:
        paths = Organization.objects.filter(pk__in=branch_ids).values_list("path", flat=True)
        chain = {int(p) for path in paths for p in path.strip("/").split("/") if p}
        q |= Q(organization_id__in=sorted(chain))
    return q


def published_cycles(user) -> QuerySet[Cycle]:
    """Published and archived cycles whose board the user may see some branch of,
    newest first."""
    qs = Cycle.objects.filter(state__in=SHOWN_STATES).select_related("organization")
    if not scope_of(user).is_enterprise:
        qs = qs.filter(_related_q(user))
    return qs.order_by("-year", "-quarter", "organization__path", "pk")


def find_cycle(user, cycle_id, *, scoped: bool = True) -> Cycle:
    """A cycle the user may look at (any state: the caller says what is shown).
    `scoped=False` when the caller checks a branch of it with `board_branch`, which is
    stricter (one query fewer for the board)."""
    try:
        found = Cycle.objects.select_related("organization").get(pk=int(cycle_id))
    except (Cycle.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if not scoped or scope_of(user).is_enterprise:
        return found
    if not Cycle.objects.filter(pk=found.pk).filter(_related_q(user)).exists():
        raise NotFoundOrForbidden
    return found


def board_branch(user, cycle: Cycle, branch_id) -> Organization:
    """The branch of a cycle whose board the user may see (404 otherwise)."""
    try:
        branch = Organization.objects.get(pk=int(branch_id), kind="branch")
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if not branch.path.startswith(cycle.organization.path) or not may_see_board(user, branch):
        raise NotFoundOrForbidden
    return branch


def is_shown(cycle: Cycle) -> bool:
    return cycle.state in SHOWN_STATES


# --- the board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One member on the board: what everyone in the branch may see, nothing else."""

    person_id: int
    name: str
    group_id: int | None
    group_name: str
    score: Decimal
    flag: str
    rank: int
    incomplete: bool

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS[self.flag]


@dataclass(frozen=True)
class FlagCount:
    flag: str
    label: str
    range: str
    count: int


@dataclass
class Section:
    key: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    flag: str = ""

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(FLAGS, 0)
        for e in self.entries:
            out[e.flag] += 1
        return out


@dataclass
class Board:
    cycle: Cycle
    branch: Organization
    entries: list[Entry]
    counts: list[FlagCount]

    @property
    def total(self) -> int:
        return len(self.entries)

    def by_flag(self) -> list[Section]:
        sections = {f: Section(key=f, title=f"{FLAG_LABELS[f]}（{FLAG_RANGES[f]}）", flag=f) for f in FLAGS}
        for e in self.entries:
            sections[e.flag].entries.append(e)
        return [s for s in sections.values() if s.entries]

    def by_group(self) -> list[Section]:
        sections: dict[int | None, Section] = {}
        for e in sorted(self.entries, key=lambda e: (e.group_id is None, e.group_name, e.rank, e.name)):
            key = e.group_id
            if key not in sections:
                sections[key] = Section(key=str(key or "none"), title=e.group_name or "未编入党小组")
            sections[key].entries.append(e)
        return list(sections.values())


def results_of(cycle: Cycle, branch: Organization) -> QuerySet:
    """The rows of a branch's board as plain values (no model instances: a board holds up
    to a hundred members and is shown on a wall for a whole meeting)."""
    return (
        CycleResult.objects.filter(cycle=cycle, branch=branch)
        .order_by("rank", "person__name", "id")
        .values_list(
            "person_id",
            "person__name",
            "person__group_id",
            "person__group__name",
            "score",
            "flag",
            "rank",
            "incomplete",
        )
    )


def board(cycle: Cycle, branch: Organization) -> Board:
    """The board of a branch in a published or archived cycle (empty before): one query."""
    entries = []
    if is_shown(cycle):
        entries = [
            Entry(
                person_id=person_id,
                name=name,
                group_id=group_id,
                group_name=group_name or "",
                score=score,
                flag=flag,
                rank=rank,
                incomplete=incomplete,
            )
            for person_id, name, group_id, group_name, score, flag, rank, incomplete in results_of(
                cycle, branch
            )
        ]
    tally = dict.fromkeys(FLAGS, 0)
    for e in entries:
        tally[e.flag] += 1
    counts = [FlagCount(f, FLAG_LABELS[f], FLAG_RANGES[f], tally[f]) for f in FLAGS]
    return Board(cycle=cycle, branch=branch, entries=entries, counts=counts)


# --- the committee's overview ---------------------------------------------------------------


@dataclass(frozen=True)
class BranchCounts:
    branch_id: int
    name: str
    path: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def below_yellow(self) -> int:
        """Members at yellow or below: each has a talk (seed 004)."""
        return self.total - self.counts[Flag.RED]


def overview(user, cycle: Cycle) -> list[BranchCounts]:
    """Per branch of the cycle the user may see, the number of members per flag: one
    aggregate query, whatever the number of branches and members."""
    if not is_shown(cycle):
        return []
    rows = (
        CycleResult.objects.filter(cycle=cycle)
        .filter(branches_q(user))
        .values("branch_id", "branch__name", "branch__path")
        .annotate(**{f: Count("id", filter=Q(flag=f)) for f in FLAGS})
        .order_by("branch__path")
    )
    return [
        BranchCounts(
            branch_id=r["branch_id"],
            name=r["branch__name"],
            path=r["branch__path"],
            counts={f: r[f] for f in FLAGS},
        )
        for r in rows
    ]


def totals(rows: list[BranchCounts]) -> dict[str, int]:
    out = dict.fromkeys(FLAGS, 0)
    for r in rows:
        for f in FLAGS:
            out[f] += r.counts[f]
    return out


def may_see_overview(user) -> bool:
    """The committee's overview is for officers and group leaders (appraisal.view)."""
    return scope_of(user).may("appraisal.view")
