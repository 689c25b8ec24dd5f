"""Reads of the monthly assessment, scoped by the acting user's visibility
(`vanguard.accounts.policy`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from django.db.models import F, FilteredRelation, Prefetch, Q, QuerySet

from vanguard.accounts.models import Post, Role
from vanguard.accounts.policy import scope_of
from vanguard.assessment import monthly
from vanguard.assessment.models import (
    Amendment,
    CloseState,
    MonthClose,
    MonthlyResult,
    ScoreEntry,
    ScoringItem,
    ScoringRules,
    YearConfirmation,
)
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person

HIGHER_ROLES = {Role.ORG_DEPARTMENT, Role.COMMITTEE_SECRETARY, Role.COMMITTEE_ORGANIZER}


def rules_in_force(*, branch: Organization, month: date) -> ScoringRules | None:
    """The version in force for the members of `branch` in `month`: among the branch and
    its ancestors, the deepest organisation with a version started by then, and its
    latest such version (a committee's or branch's adaptation overrides the enterprise's).
    One query (see `rules_in_force_for`)."""
    return rules_in_force_for([branch], month).get(branch.pk)


def rules_in_force_for(branches: Sequence[Organization], month: date) -> dict[int, ScoringRules]:
    """{branch id: the version in force} for many branches in one query: the candidate
    versions of every organisation on their chains, joined with their items
    (`rules.items.all()` is then answered without another query). Branches sharing a
    version share one object. A branch with no version in force is left out."""
    chains = {b.pk: [*b.ancestor_ids, b.pk] for b in branches}
    org_ids = {org_id for chain in chains.values() for org_id in chain}
    rule_fields = [f.attname for f in ScoringRules._meta.concrete_fields]
    item_fields = [f.attname for f in ScoringItem._meta.concrete_fields]
    rows = ScoringRules.objects.filter(
        organization_id__in=org_ids, effective_from__lte=monthly.month_of(month)
    ).values_list(*rule_fields, *(f"items__{name}" for name in item_fields))
    found: dict[int, tuple[ScoringRules, list[ScoringItem]]] = {}
    db = ScoringRules.objects.db
    width = len(rule_fields)
    for row in rows:
        rules_id = row[0]
        if rules_id not in found:
            found[rules_id] = (ScoringRules.from_db(db, rule_fields, row[:width]), [])
        if row[width] is not None:  # a version without items still counts
            found[rules_id][1].append(ScoringItem.from_db(db, item_fields, row[width:]))
    latest: dict[int, ScoringRules] = {}  # per organisation, its latest version started by then
    for rules, items in found.values():
        items.sort(key=lambda it: (it.position, it.pk))  # ScoringItem.Meta.ordering
        cached = rules.items.all()  # what prefetch_related("items") would leave
        cached._result_cache, cached._prefetch_done = items, True
        rules._prefetched_objects_cache = {"items": cached}
        held = latest.get(rules.organization_id)
        if held is None or rules.effective_from > held.effective_from:
            latest[rules.organization_id] = rules
    in_force = {}
    for branch_id, chain in chains.items():
        deepest = next((latest[org_id] for org_id in reversed(chain) if org_id in latest), None)
        if deepest is not None:
            in_force[branch_id] = deepest
    return in_force


def pure_rules(rules: ScoringRules) -> monthly.Rules:
    items = {it.pk: monthly.Item(it.pk, it.name, it.points, it.monthly_limit) for it in rules.items.all()}
    return monthly.Rules(rules.base, rules.floor, rules.cap, rules.pass_mark, rules.penalty, items)


def rules_versions(organization: Organization) -> QuerySet[ScoringRules]:
    return (
        ScoringRules.objects.filter(organization=organization).prefetch_related("items").order_by("-version")
    )


def may_set_rules(user, organization: Organization) -> bool:
    return scope_of(user).allows_org("assessment.rules", organization)


def may_amend(user, branch: Organization) -> bool:
    for g in scope_of(user).grants_for("assessment.close"):
        if g.role in HIGHER_ROLES and (g.role == Role.ORG_DEPARTMENT or branch.path.startswith(g.org_path)):
            return True
    return False


def members_of_branches(branch_ids: Iterable[int]) -> QuerySet[Person]:
    """The active members (full and probationary) of the branches, branch by branch, in
    the order the results list them (group, name)."""
    return Person.objects.filter(
        branch__in=list(branch_ids), political_status__in=MEMBER_STATUSES, status="active"
    ).order_by("branch_id", "group_id", "name", "pk")


def members_of_branch(branch: Organization) -> QuerySet[Person]:
    return members_of_branches([branch.pk])


def group_leaders(branch_ids: Iterable[int]) -> dict[int, int]:
    """{person id: group id} of the branches' group leaders: the person linked
    (User.person_id) to the user holding the active GROUP_LEADER post of a group of one
    of the branches."""
    found = {}
    for person_id, group_id in Post.objects.filter(
        role=Role.GROUP_LEADER,
        ended_on__isnull=True,
        organization__parent_id__in=list(branch_ids),
        user__person_id__isnull=False,
    ).values_list("user__person_id", "organization_id"):
        found[person_id] = group_id
    return found


class Member(NamedTuple):
    pk: int
    group_id: int | None


def members_with_entries(
    branches: Sequence[Organization], month: date
) -> dict[int, list[tuple[Member, list[monthly.Entry]]]]:
    """{branch id: its members (as `members_of_branch`, same order), each with their
    entries of the month recorded for that branch}, in one query for many branches (a
    LEFT JOIN on the month's entries of the member's own branch): closing a month reads
    this once per run of branches."""
    found: dict[int, dict[int, tuple[Member, list[monthly.Entry]]]] = {b.pk: {} for b in branches}
    rows = (
        members_of_branches(found)
        .annotate(
            month_entry=FilteredRelation(
                "score_entries",
                condition=Q(score_entries__branch_id=F("branch_id"), score_entries__month=month),
            )
        )
        .values_list("branch_id", "pk", "group_id", "month_entry__item_id", "month_entry__points")
    )
    for branch_id, pk, group_id, item_id, points in rows:
        members = found[branch_id]
        if pk not in members:
            members[pk] = (Member(pk, group_id), [])
        if item_id is not None:
            members[pk][1].append(monthly.Entry(item_id, points))
    return {branch_id: list(members.values()) for branch_id, members in found.items()}


def entries_by_person(*, branch: Organization, month: date) -> dict[int, list[monthly.Entry]]:
    found: dict[int, list[monthly.Entry]] = defaultdict(list)
    for person_id, item_id, points in ScoreEntry.objects.filter(branch=branch, month=month).values_list(
        "person_id", "item_id", "points"
    ):
        found[person_id].append(monthly.Entry(item_id, points))
    return found


# --- scoped reads for the pages -------------------------------------------------------------


def branches(user, action: str = "assessment.view") -> QuerySet[Organization]:
    """Branches the user may look at (a group leader: the branch of their group)."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    for g in scope.grants_for(action):
        if g.role == Role.ORG_DEPARTMENT:
            q = Q()
            break
        if g.role == Role.GROUP_LEADER:
            q |= Q(children__pk=g.org_id)
        else:
            q |= Q(path__startswith=g.org_path)
    return Organization.objects.filter(q, kind="branch").distinct().order_by("path")


def branch(user, pk, action: str = "assessment.view") -> Organization:
    try:
        return branches(user, action).get(pk=int(pk))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def entries(user, *, branch: Organization, month: date) -> QuerySet[ScoreEntry]:
    q = scope_of(user).people_q("assessment.view", prefix="person__")
    return (
        ScoreEntry.objects.filter(q, branch=branch, month=month)
        .select_related("person", "item", "recorded_by")
        .order_by("-on", "-id")
    )


def entry_with_attachment(user, pk) -> ScoreEntry:
    """An entry whose evidence file the user may open: one the month page would show
    them (a branch they may look at, a person in their `assessment.view` scope)."""
    q = scope_of(user).people_q("assessment.view", prefix="person__")
    try:
        return ScoreEntry.objects.filter(q, branch__in=branches(user)).exclude(attachment="").get(pk=int(pk))
    except (ScoreEntry.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def recordable_people(user, branch: Organization) -> QuerySet[Person]:
    return members_of_branch(branch).filter(scope_of(user).people_q("assessment.record"))


def month_close(branch: Organization, month: date) -> MonthClose | None:
    return MonthClose.objects.filter(branch=branch, month=month).first()


def results(user, close: MonthClose) -> QuerySet[MonthlyResult]:
    q = scope_of(user).people_q("assessment.view", prefix="person__")
    return (
        MonthlyResult.objects.filter(q, close=close)
        .select_related("person", "group")
        .prefetch_related(Prefetch("amendments", queryset=Amendment.objects.select_related("by")))
        .order_by("branch_rank", "person__name", "pk")
    )


def result(user, pk) -> MonthlyResult:
    q = scope_of(user).people_q("assessment.view", prefix="person__")
    try:
        return MonthlyResult.objects.select_related("close__branch", "person").get(q, pk=int(pk))
    except (MonthlyResult.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def effective(result: MonthlyResult) -> tuple:
    """(score, qualified, penalty) that count: the latest amendment's, else the result's."""
    amendments = list(result.amendments.all())
    last = amendments[-1] if amendments else result
    return last.score, last.qualified, last.penalty


# --- the year (issue 4 point 5) ----------------------------------------------------------------


def year_results(branch: Organization, year: int, q: Q | None = None) -> list[MonthlyResult]:
    return list(
        MonthlyResult.objects.filter(q or Q(), close__branch=branch, month__year=year)
        .select_related("person", "close")
        .prefetch_related(Prefetch("amendments", queryset=Amendment.objects.order_by("at", "id")))
        .order_by("person__group_id", "person__name", "person_id", "month")
    )


def archived_months(branch: Organization, year: int) -> list[date]:
    return list(
        MonthClose.objects.filter(branch=branch, month__year=year, state=CloseState.ARCHIVED)
        .order_by("month")
        .values_list("month", flat=True)
    )


def year_shortlist(branch: Organization, year: int, results: list[MonthlyResult] | None = None):
    """The shortlist from the archive (`monthly.shortlist`), over all the branch's members
    (not scoped: the branch confirms one list). Returns (months, [(Shortlisted, Person)])."""
    months = archived_months(branch, year)
    rows: dict[int, list[monthly.YearMonth]] = defaultdict(list)
    people = {}
    for r in results if results is not None else year_results(branch, year):
        if r.close.state != CloseState.ARCHIVED:
            continue
        score, qualified, _ = effective(r)
        rows[r.person_id].append(monthly.YearMonth(r.month, score, qualified))
        people[r.person_id] = r.person
    return months, [(s, people[s.id]) for s in monthly.shortlist(months, rows)]


def year_table(user, branch: Organization, year: int):
    """Each member's twelve months side by side (scoped to what the user may see):
    [(person, [result-or-None × 12])], effective values after amendments."""
    q = scope_of(user).people_q("assessment.view", prefix="person__")
    table: dict[int, tuple] = {}
    for r in year_results(branch, year, q):
        r.effective = effective(r)
        row = table.setdefault(r.person_id, (r.person, [None] * 12))
        row[1][r.month.month - 1] = r
    return list(table.values())


def confirmations(branch: Organization, year: int) -> QuerySet[YearConfirmation]:
    return (
        YearConfirmation.objects.filter(branch=branch, year=year).select_related("by").order_by("-at", "-id")
    )
