"""Recording the steps of admission. Each step is a named action: the rules module
says what forbids it (`rules.check_step`), and only then is the step written, the
dossier's stage moved and the person's party standing updated — in one transaction,
with an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.admission import rules, selectors
from vanguard.admission.models import Dossier, Stage, Step, StepKind
from vanguard.core import audit
from vanguard.core.errors import DomainError, Problem
from vanguard.people import services as people_services
from vanguard.people.models import MEMBER_STATUSES, Person

# The steps the party committee takes (细则 art. 18 pre-review, 22 talk, 23 approval,
# 30 approval of conversion); the branch records the rest.
COMMITTEE_STEPS = {StepKind.PRE_REVIEW, StepKind.COMMITTEE_TALK, StepKind.APPROVAL, StepKind.OUTCOME_APPROVAL}

# Which steps may be recorded at which stage.
ALLOWED_AT: dict[str, tuple[str, ...]] = {
    Stage.APPLICANT: (StepKind.APPLICATION_TALK, StepKind.ACTIVIST, StepKind.STOP),
    Stage.ACTIVIST: (StepKind.APPLICATION_TALK, StepKind.INSPECTION, StepKind.CANDIDATE, StepKind.STOP),
    Stage.CANDIDATE: (
        StepKind.SPONSORS,
        StepKind.POLITICAL_REVIEW,
        StepKind.TRAINING,
        StepKind.COMMITTEE_REVIEW,
        StepKind.NOTICE,
        StepKind.PRE_REVIEW,
        StepKind.VOLUNTEER_FORM,
        StepKind.CONGRESS,
        StepKind.COMMITTEE_TALK,
        StepKind.APPROVAL,
        StepKind.STOP,
    ),
    Stage.PROBATIONARY: (
        StepKind.OATH,
        StepKind.PROBATION_INSPECTION,
        StepKind.CONVERSION_APPLICATION,
        StepKind.OUTCOME_CONGRESS,
        StepKind.OUTCOME_APPROVAL,
    ),
    Stage.FULL: (StepKind.ARCHIVE,),
    Stage.CANCELLED: (StepKind.ARCHIVE,),
    Stage.STOPPED: (StepKind.ARCHIVE,),
}
REPEATABLE = {
    StepKind.INSPECTION,
    StepKind.PROBATION_INSPECTION,
    StepKind.OUTCOME_CONGRESS,
    StepKind.OUTCOME_APPROVAL,
}
# Steps the rules module judges by name.
RULED = {
    StepKind.APPLICATION,
    StepKind.APPLICATION_TALK,
    StepKind.ACTIVIST,
    StepKind.INSPECTION,
    StepKind.CANDIDATE,
    StepKind.POLITICAL_REVIEW,
    StepKind.TRAINING,
    StepKind.COMMITTEE_REVIEW,
    StepKind.NOTICE,
    StepKind.PRE_REVIEW,
    StepKind.VOLUNTEER_FORM,
    StepKind.CONGRESS,
    StepKind.COMMITTEE_TALK,
    StepKind.APPROVAL,
}


def notice_rule() -> rules.NoticeRule:
    return rules.NoticeRule(
        min_days=getattr(settings, "ADMISSION_NOTICE_MIN_DAYS", 5),
        working_days=getattr(settings, "ADMISSION_NOTICE_WORKING_DAYS", False),
    )


def _today() -> date:
    return timezone.localdate()


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _require(acting_user, person: Person, action: str) -> None:
    if acting_user is None:
        return
    if not scope_of(acting_user).allows_person(action, person):
        who = "党委" if action == "admission.approve" else "党支部"
        raise DomainError(f"环节：须由{who}在其管理范围内办理", field="环节", code="forbidden")


def findings_to_problems(kind: str, findings) -> list[Problem]:
    label = StepKind(kind).label
    return [Problem(label, f.message, f.code) for f in findings]


@dataclass
class StepInput:
    kind: str
    on: date
    decided_by: str = ""
    meeting: str = ""
    document: str = ""
    note: str = ""
    data: dict | None = None


@transaction.atomic
def open_dossier(*, person: Person, on: date, acting_user, note: str = "", document: str = "") -> Dossier:
    """The application (细则 art. 6): opens the dossier and makes the person an applicant."""
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    _require(acting_user, person, "admission.record")
    if person.political_status in MEMBER_STATUSES:
        raise DomainError(f"人员：{person.name} 已是党员", field="人员", code="member")
    if person.status != "active":
        raise DomainError("人员：档案已归档", field="人员", code="closed")
    if Dossier.objects.filter(person=person, closed_on__isnull=True).exists():
        raise DomainError(f"人员：{person.name} 已有进行中的发展档案", field="人员", code="open")
    dossier = Dossier(person=person, stage=Stage.APPLICANT, stage_since=on, opened_on=on)
    step = Step(kind=StepKind.APPLICATION, on=on, document=document, note=note)
    found = rules.check_step(
        StepKind.APPLICATION, selectors.facts(dossier, [step]), on=_today(), notice_rule=notice_rule()
    )
    if found:
        raise DomainError(findings_to_problems(StepKind.APPLICATION, found))
    dossier.save()
    step.dossier, step.recorded_by = dossier, _user(acting_user)
    step.save()
    people_services.set_party_standing(
        person=person,
        status="applicant",
        on=on,
        application_date=on,
        reason="递交入党申请书",
        acting_user=acting_user,
    )
    audit.record(
        actor=acting_user, action="admission.open", obj=dossier, summary=f"{person.name} 递交入党申请书"
    )
    return dossier


@transaction.atomic
def record_step(*, dossier: Dossier, step: StepInput, acting_user) -> Step:
    dossier = (
        Dossier.objects.select_for_update().select_related("person", "person__branch").get(pk=dossier.pk)
    )
    person = dossier.person
    kind = StepKind(step.kind)
    _require(acting_user, person, "admission.approve" if kind in COMMITTEE_STEPS else "admission.record")
    if dossier.archived_on:
        raise DomainError("档案：已归档，只读", field="档案", code="closed")
    if kind not in ALLOWED_AT[dossier.stage]:
        raise DomainError(
            f"{kind.label}：{person.name} 目前是{dossier.get_stage_display()}，不能办理这一环节",
            field=kind.label,
            code="stage",
        )
    existing = selectors.steps_of(dossier)
    effective = selectors.effective_steps(existing)
    if kind not in REPEATABLE and any(s.kind == kind for s in effective):
        raise DomainError(
            f"{kind.label}：已记录过；如记录有误，请使用“更正”", field=kind.label, code="recorded"
        )
    new = Step(
        dossier=dossier,
        kind=kind,
        on=step.on,
        decided_by=step.decided_by,
        meeting=step.meeting,
        document=step.document,
        note=step.note,
        data=step.data or {},
        recorded_by=_user(acting_user),
    )
    problems = _check(kind, dossier, [*effective, new])
    if problems:
        raise DomainError(problems)
    if kind == StepKind.APPROVAL and (step.data or {}).get("special_case"):
        dossier.special_case = True
    new.save()
    _advance(dossier, new, [*effective, new], acting_user)
    audit.record(
        actor=acting_user,
        action=f"admission.{kind.value}",
        obj=new,
        summary=f"{person.name}：{kind.label}（{step.on:%Y-%m-%d}）",
    )
    return new


def _check(kind: str, dossier: Dossier, steps: list[Step]) -> list[Problem]:
    today = _today()
    problems: list[Problem] = []
    new = steps[-1]
    if new.on > today:
        problems.append(
            Problem(
                StepKind(kind).label, f"{StepKind(kind).label}：日期 {new.on:%Y-%m-%d} 不能晚于今天", "future"
            )
        )
    if kind in RULED:
        found = rules.check_step(kind, selectors.facts(dossier, steps), on=today, notice_rule=notice_rule())
        problems += findings_to_problems(kind, found)
    elif kind in (StepKind.OUTCOME_CONGRESS, StepKind.OUTCOME_APPROVAL):
        problems += findings_to_problems(kind, _probation_findings(kind, dossier, steps))
    return problems


def _probation_findings(kind: str, dossier: Dossier, steps: list[Step]):
    last = selectors.latest(selectors.effective_steps(steps))
    congress = last.get(StepKind.CONGRESS)
    outcome_congress = last.get(StepKind.OUTCOME_CONGRESS)
    new = steps[-1]
    earlier = [s for s in steps if s.kind == StepKind.OUTCOME_APPROVAL and s is not new]
    extended_before = any(s.data.get("outcome") == "extension" for s in earlier)
    outcome = new.data.get("outcome") or (outcome_congress.data.get("outcome") if outcome_congress else None)
    if outcome not in ("conversion", "extension", "cancellation"):
        return [
            rules.Finding(
                "probation_outcome",
                None,
                "讨论结果：请选择按期转正、延长预备期或取消预备党员资格",
                "细则第二十九条",
            )
        ]
    if kind == StepKind.OUTCOME_APPROVAL and outcome_congress is None:
        return [
            rules.Finding(
                "probation_congress",
                None,
                "党委审批转正：尚无支部党员大会讨论转正的记录（细则第二十九条）",
                "细则第二十九条",
            )
        ]
    return rules.check_probation_outcome(
        outcome,
        congress_date=congress.on if congress else None,
        extension_months=new.data.get("extension_months")
        or (outcome_congress.data.get("extension_months") if outcome_congress else None),
        extended_before=extended_before,
        outcome_congress_date=outcome_congress.on if outcome_congress else None,
        approval_date=new.on if kind == StepKind.OUTCOME_APPROVAL else None,
        # Recording the vote itself: the approval window is not yet running.
        on=_today() if kind == StepKind.OUTCOME_APPROVAL else new.on,
    )


def probation_end(steps: list[Step]) -> date | None:
    """One year after the congress resolution (细则 art. 27), plus an approved extension."""
    last = selectors.latest(selectors.effective_steps(steps))
    congress = last.get(StepKind.CONGRESS)
    if congress is None:
        return None
    end = rules.probation_end(congress.on)
    for s in selectors.effective_steps(steps):
        if s.kind == StepKind.OUTCOME_APPROVAL and s.data.get("outcome") == "extension":
            end = rules.add_months(end, int(s.data.get("extension_months") or 0))
    return end


def _advance(dossier: Dossier, step: Step, steps: list[Step], acting_user) -> None:
    person = dossier.person
    kind = step.kind
    stage, status, dates, reason = None, None, {}, StepKind(kind).label
    if kind == StepKind.ACTIVIST:
        stage, status = Stage.ACTIVIST, "activist"
    elif kind == StepKind.CANDIDATE:
        stage, status = Stage.CANDIDATE, "candidate"
    elif kind == StepKind.APPROVAL:
        # Party standing starts on the day of the congress resolution (细则 art. 27).
        congress = selectors.latest(selectors.effective_steps(steps))[StepKind.CONGRESS]
        stage, status, dates = Stage.PROBATIONARY, "probationary", {"join_date": congress.on}
        reason = f"党委批准接收为预备党员（预备期自 {congress.on:%Y-%m-%d} 起）"
    elif kind == StepKind.OUTCOME_APPROVAL:
        outcome = step.data.get("outcome")
        if outcome == "conversion":
            end = probation_end(steps)
            stage, status, dates = Stage.FULL, "full", {"full_member_date": end}
            reason = f"按期转为正式党员（转正日期 {end:%Y-%m-%d}）"
            dossier.closed_on = step.on
        elif outcome == "cancellation":
            stage, status, dates = Stage.CANCELLED, "worker", {"join_date": None}
            reason = "取消预备党员资格"
            dossier.closed_on = step.on
    elif kind == StepKind.STOP:
        stage, status = Stage.STOPPED, "worker"
        dossier.closed_on = step.on
    elif kind == StepKind.ARCHIVE:
        dossier.archived_on = step.on
        dossier.closed_on = dossier.closed_on or step.on
    if stage:
        dossier.stage, dossier.stage_since = stage, step.on
    dossier.save()
    if status:
        people_services.set_party_standing(
            person=person, status=status, on=step.on, reason=reason, acting_user=acting_user, **dates
        )


@transaction.atomic
def correct_step(*, step: Step, on: date, data: dict | None, reason: str, acting_user) -> Step:
    """Record a correction of an earlier step: a new row that points at it. The rules
    are checked again with the corrected facts. Stage-moving steps are corrected only
    by the party committee."""
    dossier = (
        Dossier.objects.select_for_update().select_related("person", "person__branch").get(pk=step.dossier_id)
    )
    if not reason.strip():
        raise DomainError("更正原因：不能为空", field="更正原因", code="required")
    if hasattr(step, "corrected_by"):
        raise DomainError("环节：该记录已被更正过，请更正最新的记录", field="环节", code="corrected")
    committee = step.kind in COMMITTEE_STEPS or step.kind in (
        StepKind.ACTIVIST,
        StepKind.CANDIDATE,
        StepKind.CONGRESS,
    )
    _require(acting_user, dossier.person, "admission.approve" if committee else "admission.record")
    if dossier.archived_on:
        raise DomainError("档案：已归档，只读", field="档案", code="closed")
    new = Step(
        dossier=dossier,
        kind=step.kind,
        on=on,
        decided_by=step.decided_by,
        meeting=step.meeting,
        document=step.document,
        data=data if data is not None else step.data,
        corrects=step,
        note=f"更正：{reason}"[:500],
        recorded_by=_user(acting_user),
    )
    steps = [s for s in selectors.steps_of(dossier) if s.pk != step.pk] + [new]
    problems = _check(step.kind, dossier, steps)
    if problems:
        raise DomainError(problems)
    new.save()
    audit.record(
        actor=acting_user,
        action="admission.correct",
        obj=new,
        summary=f"{dossier.person.name}：更正{step.get_kind_display()}（{reason}）",
        changes={"on": [step.on, on]},
    )
    return new
