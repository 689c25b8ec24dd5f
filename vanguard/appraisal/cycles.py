"""评分 (issue 4 points 7 and 8): appraisal cycles, the evaluations recorded in the grid,
closing a cycle into results, publishing and archiving. Reads (scoped by the acting
user) and writes (keyword-only, acting user, one transaction, audit row) of the cycle;
the arithmetic is `vanguard.assessment.rules` (score_members, explain), never redone
here. Decisions: docs/decisions/0013-appraisal-scoring.md.

Who scores what:
- 个人自评 (self): the member, on their own sheet, one evaluation (evaluator = self);
- 党员互评 (peer): every other member of the member's own branch, on their sheet;
- 群众参评 (worker): paper forms (群众评议表 N) typed in by the branch committee;
- 组织考评 (organization): the branch committee's one collective evaluation per member
  (ballot “支部委员会”), typed into the grid by any committee member.
Nothing a member can open names who gave which score."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.accounts.policy import member_person_id, scope_of
from vanguard.appraisal import rubric as rubric_module
from vanguard.appraisal.models import (
    Cycle,
    CycleKind,
    CycleResult,
    CycleState,
    Evaluation,
    RubricItem,
    Source,
)
from vanguard.assessment import rules
from vanguard.core import audit, batch
from vanguard.core.errors import DomainError, NotFoundOrForbidden, Problem
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person

ORGANIZATION_BALLOT = "支部委员会"
WORKER_BALLOT = "群众评议表 {n}"
MAX_BALLOTS_AT_ONCE = 50
WEIGHT_FIELDS = (
    ("self", "weight_self", "个人自评权重"),
    ("peer", "weight_peer", "党员互评权重"),
    ("worker", "weight_worker", "群众参评权重"),
    ("organization", "weight_organization", "组织考评权重"),
)
CYCLE_ORG_KINDS = ("committee", "general_branch", "branch")


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


# --- reads ---------------------------------------------------------------------------------


def _covering_q(action: str, user, prefix: str = "organization__") -> Q:
    """Cycles whose organisation lies inside one of the user's posts for `action`, or
    above it (a branch's or a group's people take part in their committee's cycle)."""
    scope = scope_of(user)
    grants = scope.grants_for(action)
    if any(g.role == Role.ORG_DEPARTMENT for g in grants):
        return Q()
    q = Q(pk__in=[])
    for g in grants:
        ancestors = [int(x) for x in g.org_path.strip("/").split("/") if x]
        q |= Q(**{f"{prefix}path__startswith": g.org_path}) | Q(**{f"{prefix[:-2]}_id__in": ancestors})
    return q


def visible_cycles(user, action: str = "appraisal.view") -> QuerySet[Cycle]:
    return (
        Cycle.objects.filter(_covering_q(action, user))
        .select_related("organization", "rubric")
        .order_by("-year", "-quarter", "organization__path")
    )


def cycle_for(user, cycle_id, action: str = "appraisal.view") -> Cycle:
    """A cycle the user may take `action` on; NotFoundOrForbidden otherwise (a 404, so
    ids outside the scope cannot be probed). appraisal.manage needs the cycle's own
    organisation in scope (a branch secretary does not close the committee's cycle)."""
    try:
        cycle = visible_cycles(user, action).get(pk=int(cycle_id))
    except (Cycle.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if action == "appraisal.manage" and not scope_of(user).allows_org(action, cycle.organization):
        raise NotFoundOrForbidden
    return cycle


def may_manage(user, cycle: Cycle) -> bool:
    return scope_of(user).allows_org("appraisal.manage", cycle.organization)


def members(cycle: Cycle) -> QuerySet[Person]:
    """The members appraised in the cycle: the active members of the branches under its
    organisation, as they are now."""
    return (
        Person.objects.filter(
            branch__path__startswith=cycle.organization.path,
            political_status__in=MEMBER_STATUSES,
            status="active",
        )
        .select_related("branch", "group")
        .order_by("branch__path", "group_id", "name", "pk")
    )


def branches(cycle: Cycle) -> list[Organization]:
    """The branches of the cycle that have members, in tree order."""
    ids = members(cycle).values("branch_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("path"))


def recordable_members(user, cycle: Cycle, branch: Organization | None = None) -> QuerySet[Person]:
    """Members the user records organisation and worker scores for (appraisal.record)."""
    found = members(cycle).filter(scope_of(user).people_q("appraisal.record"))
    return found.filter(branch=branch) if branch is not None else found


def viewable_members(user, cycle: Cycle) -> QuerySet[Person]:
    return members(cycle).filter(scope_of(user).people_q("appraisal.view"))


def recordable_branches(user, cycle: Cycle) -> list[Organization]:
    ids = recordable_members(user, cycle).values("branch_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("path"))


def member_self(user) -> Person | None:
    """The user's own person when they are an active member with a branch."""
    pid = member_person_id(user)
    if pid is None:
        return None
    return (
        Person.objects.filter(pk=pid, political_status__in=MEMBER_STATUSES, status="active")
        .exclude(branch=None)
        .select_related("branch")
        .first()
    )


def member_cycles(person: Person) -> QuerySet[Cycle]:
    """The cycles a member takes part in: those of their branch or of an organisation above."""
    ids = [*person.branch.ancestor_ids, person.branch_id]
    return Cycle.objects.filter(organization_id__in=ids).select_related("organization", "rubric")


def member_cycle(user, cycle_id) -> tuple[Cycle, Person]:
    person = member_self(user)
    if person is None:
        raise NotFoundOrForbidden
    try:
        return member_cycles(person).get(pk=int(cycle_id)), person
    except (Cycle.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


def peers(cycle: Cycle, person: Person) -> QuerySet[Person]:
    """The members a member scores as peers: everyone else in their own branch
    (docs/decisions/0013: all, not a drawn subset)."""
    return members(cycle).filter(branch_id=person.branch_id).exclude(pk=person.pk)


def evaluations_by_subject(
    cycle: Cycle,
    subject_ids: Iterable[int],
    *,
    source: str,
    evaluator: Person | None = None,
    ballot: str = "",
) -> dict[int, Evaluation]:
    qs = Evaluation.objects.filter(cycle=cycle, subject_id__in=list(subject_ids), source=source)
    qs = qs.filter(evaluator=evaluator) if evaluator is not None else qs.filter(evaluator=None, ballot=ballot)
    return {e.subject_id: e for e in qs}


def worker_ballots(cycle: Cycle, subject: Person) -> list[Evaluation]:
    rows = Evaluation.objects.filter(cycle=cycle, subject=subject, source=Source.WORKER, evaluator=None)
    return sorted(rows, key=lambda e: _ballot_number(e.ballot))


def _ballot_number(label: str) -> int:
    digits = "".join(ch for ch in label if ch.isdigit())
    return int(digits) if digits else 0


def progress(cycle: Cycle, subject_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{member id: {source: complete evaluations}} — counts only, never who."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Evaluation.objects.filter(cycle=cycle, subject_id__in=list(subject_ids), complete=True)
        .values("subject_id", "source")
        .annotate(n=Count("id"))
    )
    for row in rows:
        found[row["subject_id"]][row["source"]] = row["n"]
    return found


def results(user, cycle: Cycle) -> QuerySet[CycleResult]:
    return (
        CycleResult.objects.filter(cycle=cycle)
        .filter(scope_of(user).people_q("appraisal.view", prefix="person__"))
        .select_related("person", "branch")
        .order_by("branch__path", "rank", "person__name", "id")
    )


def own_result(cycle: Cycle, person: Person) -> CycleResult | None:
    """A member's own result, once the cycle is published (never while it is open)."""
    if cycle.state == CycleState.OPEN:
        return None
    return CycleResult.objects.filter(cycle=cycle, person=person).select_related("branch").first()


# --- opening a cycle -----------------------------------------------------------------------


def _weight(raw, label: str, problems: list[str]) -> int | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        problems.append(f"{label}：应为 0 至 100 的整数，实为“{raw}”")
        return None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 100:
        problems.append(f"{label}：应为 0 至 100 的整数，实为 {raw}")
        return None
    return int(value)


def check_weights(weights: dict) -> tuple[dict[str, int], list[str]]:
    """The four weights as integers 0–100 adding up to exactly 100, or the problems."""
    problems: list[str] = []
    parsed = {}
    for source, _, label in WEIGHT_FIELDS:
        value = _weight(weights.get(source, ""), label, problems)
        if value is not None:
            parsed[source] = value
    if not problems:
        total = sum(parsed.values())
        if total != 100:
            parts = " + ".join(f"{label[:-2]} {parsed[s]}" for s, _, label in WEIGHT_FIELDS)
            problems.append(f"权重：四项之和应为 100，实为 {total}（{parts}）")
    return parsed, problems


@transaction.atomic
def open_cycle(
    *,
    organization: Organization,
    kind: str,
    year: int,
    quarter: int | None = None,
    weights: dict | None = None,
    acting_user,
) -> Cycle:
    """Opens a yearly or quarterly cycle for a branch (or a committee, for all its
    branches) and freezes the rubric version in force into it. One cycle per
    organisation and period; a branch already covered by a cycle of the same period
    above or below it cannot get a second one (a member is appraised once per period)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if acting_user is not None and not scope_of(acting_user).allows_org("appraisal.manage", organization):
        raise DomainError("组织：不在您的管理范围内", field="组织", code="forbidden")
    problems = []
    if organization.kind not in CYCLE_ORG_KINDS:
        problems.append("组织：党小组不能发起量化考核，请选择党支部或党委")
    if kind not in CycleKind.values:
        problems.append("周期：应为年度或季度")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        problems.append("年度：应为 2000 至 2100 之间的年份")
    if kind == CycleKind.QUARTERLY:
        try:
            quarter = int(quarter)
        except (TypeError, ValueError):
            quarter = 0
        if not 1 <= quarter <= 4:
            problems.append("季度：季度考核应选择第 1 至 4 季度")
    else:
        quarter = None
    parsed, weight_problems = check_weights(weights if weights is not None else dict(rules.DEFAULT_WEIGHTS))
    problems += weight_problems
    if not problems:
        ids = [*organization.ancestor_ids, organization.pk]
        clash = (
            Cycle.objects.filter(kind=kind, year=year, quarter=quarter)
            .filter(Q(organization_id__in=ids) | Q(organization__path__startswith=organization.path))
            .select_related("organization")
            .first()
        )
        if clash is not None:
            problems.append(f"周期：{clash.organization.name}已有{clash}，同一时期每名党员只考核一次")
    if problems:
        raise DomainError([Problem(p.split("：", 1)[0], p, "invalid") for p in problems])
    rubric = rubric_module.rubric_in_force(organization=organization)
    cycle = Cycle.objects.create(
        organization=organization,
        kind=kind,
        year=year,
        quarter=quarter,
        rubric=rubric,
        opened_by=_user(acting_user),
        **{field: parsed[source] for source, field, _ in WEIGHT_FIELDS},
    )
    audit.record(
        actor=acting_user,
        action="appraisal.cycle_open",
        obj=cycle,
        summary=f"{organization.name} 发起{cycle}（{rubric}，权重 "
        + "/".join(str(parsed[s]) for s, _, _ in WEIGHT_FIELDS)
        + "）",
    )
    return cycle


# --- the grid: one cell --------------------------------------------------------------------


def parse_points(raw: str, item: RubricItem) -> Decimal | None:
    """A cell's text as points for `item`: empty clears the cell (None); otherwise a
    number from 0 to the item's points with at most one decimal. Full-width digits and
    the Chinese full stop typed on a phone's keyboard are read as digits and a point."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".")
    if text == "":
        return None
    label = f"{item.name}（满分 {_plain(item.max_points)}）"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(f"{label}：应为数字，实为“{text[:12]}”", field=item.name, code="number") from None
    if not value.is_finite():
        raise DomainError(f"{label}：应为数字，实为“{text[:12]}”", field=item.name, code="number")
    if not 0 <= value <= item.max_points:
        raise DomainError(
            f"{label}：应在 0 至 {_plain(item.max_points)} 分之间，实为 {_plain(value)}",
            field=item.name,
            code="range",
        )
    if value != value.quantize(Decimal("0.1")):
        raise DomainError(f"{label}：最多一位小数，实为 {text[:12]}", field=item.name, code="places")
    return value.quantize(Decimal("0.1")) + 0


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _locked_open(cycle: Cycle) -> Cycle:
    cycle = Cycle.objects.select_for_update().select_related("organization").get(pk=cycle.pk)
    if cycle.state != CycleState.OPEN:
        raise DomainError(
            f"考核周期：{cycle}{cycle.get_state_display()}，不能再评分", field="考核周期", code="closed"
        )
    return cycle


def _subject(cycle: Cycle, subject_id) -> Person:
    try:
        return members(cycle).get(pk=int(subject_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None


@dataclass(frozen=True)
class Slot:
    """Whose evaluation a cell belongs to: (source, evaluator or ballot)."""

    source: str
    evaluator: Person | None
    ballot: str


def slot_for(*, cycle: Cycle, subject: Person, source: str, ballot: str, acting_user) -> Slot:
    """The evaluation the acting user may write for `subject` under `source`, or
    NotFoundOrForbidden. Members write their own self-evaluation and their peers' in
    their own branch; the branch committee writes the organisation's and the workers'."""
    if source in (Source.SELF, Source.PEER):
        me = member_self(acting_user)
        if me is None or me.branch_id != subject.branch_id:
            raise NotFoundOrForbidden
        if source == Source.SELF and me.pk != subject.pk:
            raise NotFoundOrForbidden
        if source == Source.PEER and me.pk == subject.pk:
            raise DomainError("党员互评：不能给自己互评打分，请填写个人自评", field="党员互评", code="self")
        return Slot(source, me, "")
    if source in (Source.ORGANIZATION, Source.WORKER):
        if not scope_of(acting_user).allows_person("appraisal.record", subject):
            raise NotFoundOrForbidden
        if source == Source.ORGANIZATION:
            return Slot(source, None, ORGANIZATION_BALLOT)
        if not Evaluation.objects.filter(
            cycle=cycle, subject=subject, source=Source.WORKER, evaluator=None, ballot=ballot
        ).exists():
            raise DomainError("群众评议表：该评议表不存在，请先添加", field="群众评议表", code="ballot")
        return Slot(source, None, ballot)
    raise DomainError("评价方式：未知", field="评价方式", code="source")


@dataclass(frozen=True)
class Saved:
    evaluation: Evaluation
    value: Decimal | None


def record_score(
    *, cycle: Cycle, subject_id, source: str, item_id, value: str, acting_user, ballot: str = ""
) -> Saved:
    """One cell of the grid: the points of one item in one evaluation, saved at once.
    Refused (nothing written) when the value is not a number from 0 to the item's
    points with at most one decimal, or the cycle is no longer open."""
    with transaction.atomic():
        cycle = _locked_open(cycle)
        subject = _subject(cycle, subject_id)
        slot = slot_for(cycle=cycle, subject=subject, source=source, ballot=ballot, acting_user=acting_user)
        try:
            item = RubricItem.objects.get(rubric_id=cycle.rubric_id, pk=int(item_id))
        except (RubricItem.DoesNotExist, TypeError, ValueError):
            raise DomainError("考核内容：不属于本周期的细则", field="考核内容", code="item") from None
        points = parse_points(value, item)
        lookup = dict(cycle=cycle, subject=subject, source=slot.source)
        if slot.evaluator is not None:
            lookup["evaluator"] = slot.evaluator
        else:
            lookup.update(evaluator=None, ballot=slot.ballot)
        evaluation = Evaluation.objects.select_for_update().filter(**lookup).first()
        if evaluation is None:
            evaluation = Evaluation(**lookup)
        scores = dict(evaluation.scores or {})
        if points is None:
            scores.pop(str(item.pk), None)
        else:
            scores[str(item.pk)] = _plain(points)
        item_ids = {
            str(pk)
            for pk in RubricItem.objects.filter(rubric_id=cycle.rubric_id).values_list("pk", flat=True)
        }
        evaluation.scores = {k: v for k, v in scores.items() if k in item_ids}
        evaluation.total = sum((Decimal(v) for v in evaluation.scores.values()), Decimal(0))
        evaluation.complete = set(evaluation.scores) == item_ids
        evaluation.entered_by = _user(acting_user)
        evaluation.save()
        audit.record(
            actor=acting_user,
            action="appraisal.score",
            obj=evaluation,
            summary=f"{cycle} {Source(slot.source).label} {subject.name} {item.name}："
            + ("清空" if points is None else _plain(points)),
        )
    return Saved(evaluation, points)


@transaction.atomic
def add_ballots(*, cycle: Cycle, subject_id, count: int = 1, acting_user) -> list[Evaluation]:
    """Adds `count` empty worker forms (群众评议表 N, numbered on) for a member: workers
    have no accounts, their paper forms are typed in by the branch committee."""
    cycle = _locked_open(cycle)
    subject = _subject(cycle, subject_id)
    if not scope_of(acting_user).allows_person("appraisal.record", subject):
        raise NotFoundOrForbidden
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_BALLOTS_AT_ONCE:
        raise DomainError(f"张数：一次添加 1 至 {MAX_BALLOTS_AT_ONCE} 张评议表", field="张数", code="count")
    existing = worker_ballots(cycle, subject)
    start = max((_ballot_number(e.ballot) for e in existing), default=0) + 1
    made = Evaluation.objects.bulk_create(
        Evaluation(
            cycle=cycle,
            subject=subject,
            source=Source.WORKER,
            ballot=WORKER_BALLOT.format(n=n),
            entered_by=_user(acting_user),
        )
        for n in range(start, start + count)
    )
    audit.record(
        actor=acting_user,
        action="appraisal.ballots",
        obj=cycle,
        summary=f"{cycle} {subject.name} 添加群众评议表 {count} 张（第 {start}–{start + count - 1} 张）",
    )
    return made


# --- closing, publishing, archiving ------------------------------------------------------------


def _fmt(value: Fraction | Decimal, places: int = 2) -> str:
    return str(rules.round_half_up(value, places))


def explained(result: CycleResult) -> dict:
    """The explanation a page shows for a result, written from what the close stored
    (`rules.stored`); a result stored whole by an earlier version is shown as it is."""
    data = result.explanation or {}
    if "lines" in data or not data.get("sources"):
        return data
    appraisal = rules.restore(data)
    return explanation(appraisal, {s.source: int(s.weight) for s in appraisal.sources})


def explanation(appraisal: rules.Appraisal, weights: dict[str, int]) -> dict:
    """What a member may see of how their score was computed: per source the number of
    evaluations, the extremes dropped (values only), how many were kept, the mean, the
    weight and the weight used after scaling; then the exact sum and the rounding.
    Never an evaluator's name or id."""
    sources = []
    for s in appraisal.sources:
        used = appraisal.weights_used.get(s.source)
        sources.append(
            {
                "source": s.source,
                "label": s.label,
                "count": s.evaluators,
                "kept": s.kept,
                "dropped": [_plain(s.dropped[0]), _plain(s.dropped[1])] if s.dropped else None,
                "mean": None if s.mean is None else _fmt(s.mean),
                "mean_exact": s.mean is not None and Fraction(rules.round_half_up(s.mean, 2)) == s.mean,
                "weight": weights[s.source],
                "weight_used": None if used is None else _fmt(used),
                "counted": s.counted,
                "missing": s.missing,
            }
        )
    return {
        "sources": sources,
        "exact": None if appraisal.exact is None else _fmt(appraisal.exact, 6),
        "score": None if appraisal.score is None else str(appraisal.score),
        "incomplete": appraisal.incomplete,
        "lines": appraisal.explain(),
    }


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().select_related("organization").get(pk=cycle.pk)


def close_branch(*, cycle: Cycle, branch: Organization, acting_user) -> int | None:
    """Computes the results of one branch of an open cycle (see `close_branches`)."""
    return close_branches(cycle=cycle, branches=[branch], acting_user=acting_user)


def close_branches(*, cycle: Cycle, branches: list[Organization], acting_user) -> int | None:
    """Computes the results of some branches of an open cycle, replacing each branch's
    results as a set, in one transaction with the cycle row locked: two closes at once
    run one after the other and leave one set; a worker killed half way leaves every
    branch with its old set or its new one. Returns how many members got a result; None
    when the cycle is no longer open (published meanwhile: its results stand)."""
    with transaction.atomic():
        cycle = _locked(cycle)
        if cycle.state != CycleState.OPEN:
            return None
        return _compute_branches(cycle, branches)


# A close takes at most this many steps (transactions, progress-bar steps): a committee of
# 3,000 branches is closed 15 branches at a time, a branch or a mine one branch at a time.
CLOSE_STEPS = 200


def close_chunks(cycle: Cycle) -> list[list[Organization]]:
    """The cycle's branches in tree order, cut into at most `CLOSE_STEPS` runs."""
    return batch.runs_of(branches(cycle), CLOSE_STEPS)


def chunk_label(chunk: list[Organization]) -> str:
    if len(chunk) == 1:
        return chunk[0].name
    return f"{chunk[0].name} 至 {chunk[-1].name}（{len(chunk)} 个党支部）"


def _compute_branch(cycle: Cycle, branch: Organization) -> int:
    return _compute_branches(cycle, [branch])


def _compute_branches(cycle: Cycle, branches: list[Organization]) -> int:
    """The branches' results, each branch a set ranked within it, from the complete
    evaluations' totals. Four statements whatever the number of branches and members:
    the members, their totals, the old sets' ids (none on a first close), one insert."""
    by_branch: dict[int, list[int]] = {b.pk: [] for b in branches}
    for pk, branch_id in Person.objects.filter(
        branch__in=list(by_branch), political_status__in=MEMBER_STATUSES, status="active"
    ).values_list("pk", "branch_id"):
        by_branch[branch_id].append(pk)
    people = [pk for pks in by_branch.values() for pk in pks]
    totals: dict[int, dict[str, list[Decimal]]] = {pk: defaultdict(list) for pk in people}
    for subject_id, source, total in Evaluation.objects.filter(
        cycle=cycle, subject__in=people, complete=True
    ).values_list("subject_id", "source", "total"):
        totals[subject_id][source].append(total)
    weights = cycle.weights
    # The old sets: the branches', and their members' computed under another branch
    # (moved). The cycle is open (the caller holds its lock): no talk points at them yet.
    old = list(
        CycleResult.objects.filter(
            Q(branch__in=list(by_branch)) | Q(person__in=people), cycle=cycle
        ).values_list("pk", flat=True)
    )
    if old:
        CycleResult.objects.filter(pk__in=old).delete()
    rows = []
    for branch_id, pks in by_branch.items():
        scored = rules.score_members(
            [rules.MemberTotals(pk, {s: tuple(v) for s, v in totals[pk].items()}) for pk in pks], weights
        )
        rows += [
            CycleResult(
                cycle=cycle,
                person_id=r.id,
                branch_id=branch_id,
                score=r.appraisal.score,
                flag=r.appraisal.flag,
                rank=r.rank,
                incomplete=r.appraisal.incomplete,
                explanation=rules.stored(r.appraisal),
            )
            for r in scored
            if r.appraisal.score is not None  # nobody evaluated them at all: no result
        ]
    CycleResult.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _stale_branches(cycle: Cycle) -> list[Organization]:
    """Branches whose results are missing or older than their latest evaluation (two
    grouped queries for the whole cycle, not two per branch)."""
    computed = {
        row["branch_id"]: row
        for row in CycleResult.objects.filter(cycle=cycle)
        .values("branch_id")
        .annotate(first=Min("computed_at"), n=Count("id"))
    }
    latest = dict(
        Evaluation.objects.filter(cycle=cycle)
        .values("subject__branch_id")
        .annotate(last=Max("updated_at"))
        .values_list("subject__branch_id", "last")
    )
    found = []
    for branch in branches(cycle):
        done, last = computed.get(branch.pk), latest.get(branch.pk)
        if last is None:
            if done:
                found.append(branch)
        elif not done or done["first"] < last:
            found.append(branch)
    return found


def talk_hook() -> Callable | None:
    """The 挂旗 part's `talks.create_talks_for(*, cycle, branch=None, acting_user)` (a talk
    task for every member at yellow or below), when that part is installed."""
    try:
        from vanguard.appraisal import talks
    except ImportError:
        return None
    return getattr(talks, "create_talks_for", None)


def publish(*, cycle: Cycle, acting_user, today: date | None = None) -> Cycle:
    """Publishes a closed cycle: recomputes any branch scored after its close, sets the
    state, and creates the talk tasks for members at yellow or below — all in one
    transaction with the cycle row locked. Publishing a published cycle does nothing."""
    with transaction.atomic():
        cycle = _locked(cycle)
        if cycle.state != CycleState.OPEN:
            return cycle
        for branch in _stale_branches(cycle):
            _compute_branch(cycle, branch)
        cycle.state = CycleState.PUBLISHED
        cycle.closed_at = timezone.now()
        cycle.published_on = today or timezone.localdate()
        cycle.save()
        count = CycleResult.objects.filter(cycle=cycle).count()
        audit.record(
            actor=acting_user,
            action="appraisal.publish",
            obj=cycle,
            summary=f"{cycle.organization.name} {cycle}结算并公示（{count} 人）",
        )
        create_talks = talk_hook()
        if create_talks is not None:
            create_talks(cycle=cycle, acting_user=acting_user)
    return cycle


def close_cycle(
    *,
    cycle: Cycle,
    acting_user,
    on_branch: Callable[[Organization, int | None], None] | None = None,
    today: date | None = None,
) -> Cycle:
    """Closes a cycle: every branch's results (one transaction each), then publishes.
    Idempotent: a published or archived cycle is left as it is."""
    if acting_user is not None and not may_manage(acting_user, cycle):
        raise DomainError("考核周期：不在您的管理范围内", field="考核周期", code="forbidden")
    for chunk in close_chunks(cycle):
        counted = close_branches(cycle=cycle, branches=chunk, acting_user=acting_user)
        if on_branch is not None:
            for branch in chunk:
                on_branch(branch, counted)
    return publish(cycle=cycle, acting_user=acting_user, today=today)


CLOSE_JOB = "appraisal.close_cycle"


def request_close(*, cycle: Cycle, acting_user):
    """Closing is background work with a progress bar (a `BatchJob`, one item per branch,
    then the publishing). Returns the job; a close already under way is returned
    instead of starting a second one."""
    from vanguard.appraisal.tasks import close_cycle_task
    from vanguard.core import jobs

    cycle = Cycle.objects.select_related("organization").get(pk=cycle.pk)
    if acting_user is not None and not may_manage(acting_user, cycle):
        raise DomainError("考核周期：不在您的管理范围内", field="考核周期", code="forbidden")
    if cycle.state != CycleState.OPEN:
        raise DomainError(
            f"考核周期：{cycle.get_state_display()}，不能再结算", field="考核周期", code="closed"
        )
    running = batch.live(CLOSE_JOB, cycle.organization_id, cycle=cycle.pk)
    if running is not None:
        return running
    items = close_chunks(cycle)
    job = batch.create(
        kind=CLOSE_JOB,
        label=f"{cycle.organization.name} {cycle}结算",
        scope_id=cycle.organization_id,
        scope_label=cycle.organization.name,
        params={"cycle": cycle.pk},
        total=len(items) + 1,
        started_by=acting_user,
    )
    batch.supersede(CLOSE_JOB, cycle.organization_id, by=job, cycle=cycle.pk)
    jobs.enqueue(close_cycle_task, job.pk, cycle.pk, getattr(_user(acting_user), "pk", None))
    return job


def close_job(cycle: Cycle):
    """The latest close job of the cycle (for the progress bar), or None."""
    from vanguard.core.models import BatchJob

    for job in BatchJob.objects.filter(kind=CLOSE_JOB, scope_id=cycle.organization_id).order_by("-id")[:20]:
        if job.params.get("cycle") == cycle.pk:
            return job
    return None


@transaction.atomic
def archive(*, cycle: Cycle, acting_user, today: date | None = None) -> Cycle:
    """Archives a published cycle: from now on its results never change (the models
    refuse, and so does every page and endpoint)."""
    cycle = _locked(cycle)
    if acting_user is not None and not may_manage(acting_user, cycle):
        raise DomainError("考核周期：不在您的管理范围内", field="考核周期", code="forbidden")
    if cycle.state != CycleState.PUBLISHED:
        raise DomainError(
            f"考核周期：{cycle.get_state_display()}，只有已公示的周期可以归档", field="考核周期", code="state"
        )
    cycle.state = CycleState.ARCHIVED
    cycle.archived_on = today or timezone.localdate()
    cycle.save()
    audit.record(
        actor=acting_user,
        action="appraisal.archive",
        obj=cycle,
        summary=f"{cycle.organization.name} {cycle}归档",
    )
    return cycle


def guard_open(cycle: Cycle) -> None:
    """For pages: a DomainError when the cycle takes no more scores."""
    if cycle.state != CycleState.OPEN:
        raise DomainError(
            f"考核周期：{cycle}{cycle.get_state_display()}，不能再评分", field="考核周期", code="closed"
        )


def rubric_view(cycle: Cycle) -> rubric_module.RubricView:
    return rubric_module.read(cycle.rubric)
