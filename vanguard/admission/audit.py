"""违规发展党员排查 (issue 3 point 6): every dossier already in the system judged again by
the same rules (`rules.check_approval`, `rules.check_step`), listed with its findings.

The audit streams: one query for the dossiers in scope (a few plain values each) and
one ordered query for all their steps (`values_list(...).iterator()`), grouped by
dossier in Python; each group becomes a `rules.Dossier` through `selectors.facts` (the
one mapping from steps to facts) fed with lightweight step rows instead of model
instances. A run is a background job (`enqueue`): the organisation department starts
it, the page shows it running, and the result is stored as an `AuditRun` with one
`AuditResult` per dossier that has findings. What is judged how:
docs/decisions/0007-admission-audit.md."""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from celery import shared_task
from django.db import transaction
from django.db.models import Case, JSONField, Q, QuerySet, Value, When
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.admission import rules, selectors, services
from vanguard.admission.models import AuditResult, AuditRun, Dossier, Stage, Step, StepKind
from vanguard.core import audit as core_audit
from vanguard.core.errors import DomainError
from vanguard.core.jobs import enqueue

log = logging.getLogger(__name__)

CHUNK = 5000
# A dossier at one of these stages went through the party committee's approval.
APPROVED_STAGES = frozenset({Stage.PROBATIONARY, Stage.FULL, Stage.CANCELLED})
# The steps an open dossier is judged at (the approval is check_approval's).
OPEN_STEPS = tuple(s for s in rules.STEPS if s != "approval")
# The steps `selectors.facts` reads (the oath and the probation are not judged here),
# and those whose `data` it reads: the others' JSON is not even decoded.
FACT_KINDS = rules.STEPS
DATA_KINDS = (
    StepKind.ACTIVIST,
    StepKind.SPONSORS,
    StepKind.TRAINING,
    StepKind.COMMITTEE_REVIEW,
    StepKind.NOTICE,
    StepKind.CONGRESS,
    StepKind.COMMITTEE_TALK,
)

CHECK_NAMES = {1: "一查记录", 2: "二查预审", 3: "三查思想", 4: "四查表现", 5: "五查会议记录"}
CODE_LABELS = {
    "age": "申请年龄",
    "application_talk": "申请后谈话",
    "mentors": "培养联系人",
    "inspections": "培养考察",
    "cultivation": "培养期满一年",
    "sponsors": "入党介绍人",
    "political_review": "政治审查",
    "training": "集中培训",
    "pre_review": "党委预审",
    "volunteer_form": "入党志愿书",
    "knowledge": "党的基本知识",
    "motive": "入党动机",
    "committee_talk": "党委谈话",
    "notice_length": "公示天数",
    "notice_objection": "公示反映问题",
    "duties": "履行党员义务能力",
    "congress_record": "支部党员大会记录",
    "congress_quorum": "到会人数过半",
    "congress_majority": "赞成票过半",
    "approval_window": "审批期限",
    "order": "日期顺序",
    "future": "日期晚于今天",
    "missing_date": "缺少日期",
}
CODES = tuple(code for code in rules.RULES if not code.startswith("probation"))


def code_label(code: str) -> str:
    return CODE_LABELS.get(code, code)


# --- judging one dossier ------------------------------------------------------------------


class StepRow:
    """The few fields of a Step that `selectors.facts` reads, without a model instance."""

    __slots__ = ("corrects_id", "data", "kind", "on", "pk")

    def __init__(self, pk, kind, on, data, corrects_id):
        self.pk, self.kind, self.on, self.data, self.corrects_id = pk, kind, on, data or {}, corrects_id


class _Person:
    __slots__ = ("birth_date",)

    def __init__(self, birth_date):
        self.birth_date = birth_date


@dataclass
class Head:
    """A dossier's own values, as `selectors.facts` and the result list need them."""

    id: int
    stage: str
    stage_since: date
    special_case: bool
    person: _Person
    person_name: str
    branch_id: int | None
    branch_name: str


def judge(
    head: Head, steps: list[StepRow], *, today: date, notice_rule: rules.NoticeRule
) -> list[rules.Finding]:
    """The findings of one dossier. Approved dossiers (probationary, full, cancelled, or
    with an approval step): `check_approval` on the approval date. Open and stopped
    dossiers: `check_step` for every step recorded so far, on `today` — what the system
    would refuse now about what was recorded, not what is still to come (ADR 0007)."""
    x = selectors.facts(head, steps)
    kinds = {s.kind for s in steps}
    if head.stage in APPROVED_STAGES or StepKind.APPROVAL in kinds:
        on = x.approval_date or _assumed_approval(head, x)
        return rules.check_approval(x, on=on, notice_rule=notice_rule).findings
    found: list[rules.Finding] = []
    seen: set[tuple[str, str]] = set()
    for kind in OPEN_STEPS:
        if kind not in kinds:
            continue
        for f in rules.check_step(kind, x, on=today, notice_rule=notice_rule):
            if (f.code, f.message) not in seen:
                seen.add((f.code, f.message))
                found.append(f)
    return found


def _assumed_approval(head: Head, x: rules.Dossier) -> date:
    # A member's dossier without an approval step (an older record typed in later): a
    # probationary dossier's stage began with the approval; otherwise the congress date
    # is the earliest the approval can have been.
    if head.stage == Stage.PROBATIONARY:
        return head.stage_since
    if x.congress is not None and x.congress.date is not None:
        return x.congress.date
    return head.stage_since


# --- streaming a scope ----------------------------------------------------------------------


def scope_q(user, prefix: str) -> Q:
    """The dossiers (through `prefix` to a Person) the user may view; None = everything
    (the management command)."""
    if user is None:
        return Q()
    return scope_of(user).people_q("admission.view", prefix=prefix)


def heads(user) -> dict[int, Head]:
    rows = (
        Dossier.objects.filter(scope_q(user, "person__"))
        .order_by()
        .values_list(
            "id",
            "stage",
            "stage_since",
            "special_case",
            "person__birth_date",
            "person__name",
            "person__branch_id",
            "person__branch__name",
        )
    )
    return {
        r[0]: Head(r[0], r[1], r[2], r[3], _Person(r[4]), r[5], r[6], r[7] or "")
        for r in rows.iterator(chunk_size=CHUNK)
    }


def step_rows(user) -> Iterator[tuple]:
    """The judged steps of the scope's dossiers, grouped by dossier (one query, streamed)."""
    return (
        Step.objects.filter(scope_q(user, "dossier__person__"), kind__in=FACT_KINDS)
        .annotate(
            facts_data=Case(
                When(kind__in=DATA_KINDS, then="data"), default=Value(None), output_field=JSONField()
            )
        )
        .order_by("dossier_id")
        .values_list("dossier_id", "id", "kind", "on", "facts_data", "corrects_id")
        .iterator(chunk_size=CHUNK)
    )


def audit_dossiers(
    user, *, today: date, notice_rule: rules.NoticeRule | None = None
) -> Iterator[tuple[Head, list[rules.Finding]]]:
    """(dossier, findings) for every dossier in the user's scope (None: all)."""
    notice_rule = notice_rule or services.notice_rule()
    pending = heads(user)
    for dossier_id, rows in itertools.groupby(step_rows(user), key=itemgetter(0)):
        head = pending.pop(dossier_id, None)
        if head is None:  # a dossier opened after the first query
            continue
        steps = [StepRow(r[1], r[2], r[3], r[4], r[5]) for r in rows]
        yield head, judge(head, steps, today=today, notice_rule=notice_rule)
    for head in pending.values():  # no steps at all
        yield head, judge(head, [], today=today, notice_rule=notice_rule)


def _csv(values: Iterable) -> str:
    return "," + ",".join(str(v) for v in values) + ","


# --- runs -------------------------------------------------------------------------------------


def start_run(*, acting_user, background: bool = True) -> AuditRun:
    """A new audit of the acting user's scope; the work is a job (`run_audit_task`)."""
    scope = scope_of(acting_user)
    if not scope.may("admission.view"):
        raise DomainError("排查：您没有查看发展党员档案的权限", code="forbidden")
    label = "、".join(g.role_label for g in scope.grants_for("admission.view"))
    with transaction.atomic():
        run = AuditRun.objects.create(
            started_by=acting_user, scope_label=label[:300], on=timezone.localdate()
        )
        core_audit.record(
            actor=acting_user,
            action="admission.audit",
            obj=run,
            summary=f"发起违规发展党员排查（{label}）"[:500],
        )
        if background:
            enqueue(run_audit_task, run.pk)
    return run


@shared_task(name="admission.run_audit")
def run_audit_task(run_id: int) -> None:
    execute_run(run_id)


def execute_run(run_id: int) -> AuditRun:
    """Does the audit of a queued run and stores its results; idempotent (a finished
    run is left as it is; a run interrupted half-way starts again)."""
    run = AuditRun.objects.select_related("started_by").get(pk=run_id)
    if run.status in (AuditRun.Status.DONE, AuditRun.Status.FAILED):
        return run
    AuditRun.objects.filter(pk=run.pk).update(status=AuditRun.Status.RUNNING)
    started = time.perf_counter()
    try:
        if run.started_by is None or not run.started_by.is_active:
            raise DomainError("发起人账号已不存在或已停用")
        results: list[AuditResult] = []
        codes: Counter = Counter()
        checks: Counter = Counter()
        total = findings_total = 0
        with transaction.atomic():  # one snapshot; on PostgreSQL a plain server-side cursor
            for head, findings in audit_dossiers(run.started_by, today=run.on):
                total += 1
                if not findings:
                    continue
                findings_total += len(findings)
                dossier_codes = sorted({f.code for f in findings})
                dossier_checks = sorted({f.check for f in findings if f.check})
                codes.update(dossier_codes)
                checks.update(dossier_checks)
                results.append(
                    AuditResult(
                        run_id=run.pk,
                        dossier_id=head.id,
                        person_name=head.person_name[:50],
                        branch_id=head.branch_id,
                        branch_name=head.branch_name[:100],
                        stage=head.stage,
                        codes=_csv(dossier_codes)[:400],
                        checks=_csv(dossier_checks),
                        findings=[f.as_dict() for f in findings],
                    )
                )
        with transaction.atomic():
            AuditResult.objects.bulk_create(results, batch_size=2000)
            AuditRun.objects.filter(pk=run.pk).update(
                status=AuditRun.Status.DONE,
                finished_at=timezone.now(),
                seconds=round(time.perf_counter() - started, 2),
                dossiers=total,
                flagged=len(results),
                counts={
                    "codes": dict(codes.most_common()),
                    "checks": {str(k): checks[k] for k in sorted(checks)},
                    "findings": findings_total,
                },
            )
    except Exception as exc:
        log.exception("admission audit %s failed", run_id)
        message = "；".join(exc.messages) if isinstance(exc, DomainError) else f"排查出错：{exc!r}"
        AuditRun.objects.filter(pk=run.pk).update(
            status=AuditRun.Status.FAILED,
            finished_at=timezone.now(),
            seconds=round(time.perf_counter() - started, 2),
            error=message[:500],
        )
    run.refresh_from_db()
    return run


# --- reading results ----------------------------------------------------------------------------


def runs_of(user) -> QuerySet[AuditRun]:
    """The runs the user started: a run covers its starter's scope."""
    if not scope_of(user).may("admission.view"):
        return AuditRun.objects.none()
    return AuditRun.objects.filter(started_by=user).order_by("-id")


@dataclass(frozen=True)
class Filters:
    branch: object | None = None  # an Organization the user may view
    check: int | None = None
    code: str | None = None


def results(run: AuditRun, user, filters: Filters = Filters()) -> QuerySet[AuditResult]:
    """The run's results the user may see now (their scope today, on top of the
    starter's scope at the time), filtered."""
    qs = run.results.filter(scope_q(user, "dossier__person__"))
    if filters.branch is not None:
        qs = qs.filter(branch__path__startswith=filters.branch.path)
    if filters.check is not None:
        qs = qs.filter(checks__contains=f",{filters.check},")
    if filters.code:
        qs = qs.filter(codes__contains=f",{filters.code},")
    return qs.order_by("id")


EXPORT_HEADERS = ["档案编号", "姓名", "党支部", "阶段", "五查", "问题代码", "问题", "问题说明"]


def export_rows(qs: QuerySet[AuditResult]) -> Iterator[list]:
    """One row per finding: the dossier's columns repeated, so the sheet filters."""
    stages = dict(Stage.choices)
    for r in qs.iterator(chunk_size=2000):
        for f in r.findings:
            check = f.get("check")
            yield [
                r.dossier_id,
                r.person_name,
                r.branch_name,
                stages.get(r.stage, r.stage),
                CHECK_NAMES.get(check, "其他规定") if check else "其他规定",
                f["code"],
                code_label(f["code"]),
                f["message"],
            ]
