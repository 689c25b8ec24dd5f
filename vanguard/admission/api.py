"""/api/admission: admission dossiers for mobile apps and HR systems, and the rule
checker of `manage.py admission_check` over HTTP. Thin: parse, call one selector or
service, shape the answer. Every read goes through selectors.visible_dossiers /
get_dossier (404 outside the scope); every step goes through services.record_step,
which asks the rules module (a refused step is 422 with each rule's message, nothing
written; a committee step recorded by a branch is 403)."""

import math
from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import TextChoices
from django.utils import timezone
from ninja import Body, Field, Path, Query, Schema, Status
from pydantic import AfterValidator

from vanguard.accounts.api import (
    MAX_ID,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    ApiBool,
    ApiDate,
    ApiInt,
    ApiRouter,
    id_field,
    paginate,
    requires_api,
    text_field,
)
from vanguard.accounts.policy import AUTHENTICATED
from vanguard.admission import rules, selectors, services
from vanguard.admission.models import Dossier, Stage, Step, StepKind
from vanguard.core.errors import DomainError, NotFoundOrForbidden, Problem
from vanguard.people import selectors as people_selectors

router = ApiRouter(tags=["发展党员"])

# The rules add up to a year or so to these dates; far years are typing errors (the
# same bounds as the admission_check contract, rules.dossier_from_json).
MIN_YEAR, MAX_YEAR = 1900, 2199


def _in_range(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间")
    return value


StepDate = Annotated[ApiDate, AfterValidator(_in_range)]


# --- schemas ------------------------------------------------------------------------------
class Ref(Schema):
    id: int
    name: str


class DossierListItem(Schema):
    id: int
    person: Ref
    branch: Ref
    stage: Stage
    stage_label: str
    stage_since: date


class DossierPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DossierListItem]


class StepOut(Schema):
    id: int
    kind: StepKind
    kind_label: str
    on: date
    decided_by: str
    meeting: str
    document: str
    note: str
    data: dict[str, Any] = Field(description="本环节的内容（培养联系人、培训、公示、表决等）")
    corrects: int | None = Field(description="更正记录：被更正的那条记录的编号")
    recorded_by: str
    recorded_at: datetime


class FindingOut(Schema):
    code: str = Field(description="规则代码，与 manage.py admission_check 相同")
    check: int | None = Field(description="“五查”序号 1–5；其他全国性规定为空")
    message: str


class VerdictOut(Schema):
    """The admission_check contract's output."""

    approvable: bool
    findings: list[FindingOut]


class DossierOut(DossierListItem):
    opened_on: date
    closed_on: date | None
    archived_on: date | None
    special_case: bool
    probation_end: date | None = Field(description="预备期满日期（自支部大会通过之日起一年，含延长）")
    steps: list[StepOut] = Field(description="有效的环节记录（被更正的记录已由更正记录取代）")
    corrections: list[StepOut] = Field(description="全部更正记录，各自指向被更正的记录")
    approval_check: VerdictOut | None = Field(
        description="发展对象阶段：按“五查五不批”等规定，党委今天能否审批及原因；其他阶段为空"
    )


class DossierCreateIn(Schema, extra="forbid"):
    person_id: ApiInt = id_field(..., title="人员")
    on: StepDate = Field(..., title="申请日期")
    document: str = text_field("", title="材料/文号", max_length=200)
    note: str = text_field("", title="说明", max_length=500, multiline=True)


class ObjectionIn(Schema, extra="forbid"):
    text: str = text_field(..., title="反映的问题", max_length=300, min_length=1)
    resolved: ApiBool = Field(..., title="已查清处理")
    resolution: str = text_field("", title="处理结果", max_length=300)


class NoticeIn(Schema, extra="forbid"):
    start: StepDate = Field(..., title="公示开始日期")
    end: StepDate = Field(..., title="公示结束日期")
    objections: list[ObjectionIn] = Field([], title="反映的问题", max_length=20)


def _count(title: str):
    return Field(None, title=title, ge=0, le=10000)


class TrainingIn(Schema, extra="forbid"):
    days: ApiInt | None = Field(None, title="培训天数", ge=0, le=365)
    hours: ApiInt | None = Field(None, title="培训学时", ge=0, le=2000)


class VotesIn(Schema, extra="forbid"):
    should_attend: ApiInt | None = _count("应到会有表决权的正式党员（人）")
    present: ApiInt | None = _count("实到（人）")
    in_favour: ApiInt | None = _count("赞成（含会前书面表决）")
    against: ApiInt | None = _count("反对")
    abstain: ApiInt | None = _count("弃权")


class Outcome(TextChoices):
    CONVERSION = "conversion", "按期转为正式党员"
    EXTENSION = "extension", "延长预备期"
    CANCELLATION = "cancellation", "取消预备党员资格"


PersonIds = Annotated[ApiInt, Field(ge=1, le=MAX_ID)]


class StepIn(Schema, extra="forbid"):
    """One step. Besides the common fields, each step takes its own: a field that does
    not belong to the step is refused (see STEP_FIELDS)."""

    kind: StepKind = Field(..., title="环节")
    on: StepDate | None = Field(None, title="日期", description="公示环节可不填：即公示结束日期")
    decided_by: str = text_field("", title="决定/经办", max_length=100)
    meeting: str = text_field("", title="会议（名称、届次）", max_length=200)
    document: str = text_field("", title="材料/文号", max_length=200)
    note: str = text_field("", title="说明", max_length=500, multiline=True)
    mentor_ids: list[PersonIds] | None = Field(
        None, title="培养联系人", min_length=1, max_length=2, description="确定为入党积极分子：一至两名"
    )
    sponsor_ids: list[PersonIds] | None = Field(
        None, title="入党介绍人", min_length=1, max_length=2, description="确定入党介绍人：两名"
    )
    conclusion: str | None = text_field(None, title="政审结论", max_length=200, min_length=1)
    training: TrainingIn | None = Field(None, title="集中培训")
    knowledge_passed: ApiBool | None = Field(None, title="党的基本知识考试合格")
    motive_ok: ApiBool | None = Field(None, title="入党动机端正")
    able_to_fulfil_duties: ApiBool | None = Field(None, title="具备履行党员义务的能力")
    notice: NoticeIn | None = Field(None, title="公示")
    votes: VotesIn | None = Field(None, title="表决情况")
    special_case: ApiBool | None = Field(None, title="特殊情况：延长审批期限至六个月")
    outcome: Outcome | None = Field(None, title="讨论结果")
    extension_months: ApiInt | None = Field(None, title="延长预备期（月）", ge=1, le=24)


# The step-specific fields each kind takes, and those it cannot do without (as the web
# form, forms.StepForm, asks them).
STEP_FIELDS: dict[str, set[str]] = {
    StepKind.ACTIVIST: {"mentor_ids"},
    StepKind.SPONSORS: {"sponsor_ids"},
    StepKind.POLITICAL_REVIEW: {"conclusion"},
    StepKind.TRAINING: {"training", "knowledge_passed"},
    StepKind.COMMITTEE_REVIEW: {"motive_ok", "able_to_fulfil_duties"},
    StepKind.NOTICE: {"notice"},
    StepKind.CONGRESS: {"votes"},
    StepKind.COMMITTEE_TALK: {"motive_ok"},
    StepKind.APPROVAL: {"special_case"},
    StepKind.OUTCOME_CONGRESS: {"outcome", "extension_months", "votes"},
    StepKind.OUTCOME_APPROVAL: {"outcome", "extension_months"},
}
REQUIRED_FIELDS: dict[str, set[str]] = {
    StepKind.ACTIVIST: {"mentor_ids"},
    StepKind.SPONSORS: {"sponsor_ids"},
    StepKind.POLITICAL_REVIEW: {"conclusion"},
    StepKind.TRAINING: {"training", "knowledge_passed"},
    StepKind.COMMITTEE_REVIEW: {"motive_ok", "able_to_fulfil_duties"},
    StepKind.NOTICE: {"notice"},
    StepKind.COMMITTEE_TALK: {"motive_ok"},
    StepKind.OUTCOME_CONGRESS: {"outcome"},
    StepKind.OUTCOME_APPROVAL: {"outcome"},
}
_OWN_FIELDS = set().union(*STEP_FIELDS.values())


# --- helpers ------------------------------------------------------------------------------
def _ref(obj) -> dict:
    return {"id": obj.pk, "name": obj.name}


def _list_item(d: Dossier) -> dict:
    return {
        "id": d.pk,
        "person": _ref(d.person),
        "branch": _ref(d.person.branch),
        "stage": d.stage,
        "stage_label": d.get_stage_display(),
        "stage_since": d.stage_since,
    }


def _step(s: Step) -> dict:
    return {
        "id": s.pk,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "on": s.on,
        "decided_by": s.decided_by,
        "meeting": s.meeting,
        "document": s.document,
        "note": s.note,
        "data": s.data,
        "corrects": s.corrects_id,
        "recorded_by": str(s.recorded_by) if s.recorded_by else "",
        "recorded_at": s.recorded_at,
    }


def _out(dossier: Dossier) -> dict:
    steps = selectors.steps_of(dossier)
    verdict = None
    if dossier.stage == Stage.CANDIDATE:
        verdict = rules.check_approval(
            selectors.facts(dossier, steps), on=timezone.localdate(), notice_rule=services.notice_rule()
        ).as_dict()
    return {
        **_list_item(dossier),
        "opened_on": dossier.opened_on,
        "closed_on": dossier.closed_on,
        "archived_on": dossier.archived_on,
        "special_case": dossier.special_case,
        "probation_end": services.probation_end(steps),
        "steps": [_step(s) for s in selectors.effective_steps(steps)],
        "corrections": [_step(s) for s in steps if s.corrects_id],
        "approval_check": verdict,
    }


def _people(user, ids: list[int], *, label: str, dossier: Dossier) -> list[dict]:
    """Mentors or sponsors by id: people the user may see, not the person themselves,
    each once; snapshotted as the web form does (selectors.member_ref)."""
    if len(set(ids)) != len(ids):
        raise DomainError(f"{label}：不能重复", field=label, code="duplicate")
    if dossier.person_id in ids:
        raise DomainError(f"{label}：不能是本人", field=label, code="self")
    found = {p.pk: p for p in people_selectors.visible_people(user).filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise DomainError(
            f"{label}：编号 {'、'.join(missing)} 不存在或无权查看", field=label, code="not_found"
        )
    return [selectors.member_ref(found[i]) for i in ids]


def _step_data(user, payload: StepIn, dossier: Dossier) -> dict:
    """Step.data as the web form stores it (forms.StepForm.data_for_step)."""
    k = payload.kind
    if k == StepKind.ACTIVIST:
        return {"mentors": _people(user, payload.mentor_ids, label="培养联系人", dossier=dossier)}
    if k == StepKind.SPONSORS:
        return {"sponsors": _people(user, payload.sponsor_ids, label="入党介绍人", dossier=dossier)}
    if k == StepKind.POLITICAL_REVIEW:
        return {"conclusion": payload.conclusion}
    if k == StepKind.TRAINING:
        return {
            "days": payload.training.days,
            "hours": payload.training.hours,
            "knowledge_passed": payload.knowledge_passed,
        }
    if k == StepKind.COMMITTEE_REVIEW:
        return {"motive_ok": payload.motive_ok, "able_to_fulfil_duties": payload.able_to_fulfil_duties}
    if k == StepKind.COMMITTEE_TALK:
        return {"motive_ok": payload.motive_ok}
    if k == StepKind.NOTICE:
        n = payload.notice
        return {
            "start": n.start.isoformat(),
            "end": n.end.isoformat(),
            "objections": [o.model_dump() for o in n.objections],
        }
    if k in (StepKind.CONGRESS, StepKind.OUTCOME_CONGRESS, StepKind.OUTCOME_APPROVAL):
        values = {**(payload.votes.model_dump() if payload.votes else {})}
        values["outcome"] = payload.outcome
        values["extension_months"] = payload.extension_months
        return {key: v for key, v in values.items() if v is not None}
    if k == StepKind.APPROVAL:
        return {"special_case": bool(payload.special_case)}
    return {}


def _field_problems(payload: StepIn) -> list[Problem]:
    """The step-specific fields: none that the step does not take, all it needs."""
    kind = StepKind(payload.kind)
    given = {name for name in _OWN_FIELDS if getattr(payload, name) is not None}
    fields = StepIn.model_fields
    problems = [
        Problem(fields[name].title, f"{fields[name].title}：{kind.label}不填写此项", "not_applicable")
        for name in sorted(given - STEP_FIELDS.get(kind, set()))
    ]
    problems += [
        Problem(fields[name].title, f"{fields[name].title}：不能为空", "missing")
        for name in sorted(REQUIRED_FIELDS.get(kind, set()) - given)
    ]
    training = payload.training
    if kind == StepKind.TRAINING and training and training.days is None and training.hours is None:
        problems.append(Problem("培训天数", "培训天数：请填写培训天数或学时（至少一项）", "missing"))
    if payload.outcome == Outcome.EXTENSION and not payload.extension_months:
        problems.append(
            Problem("延长预备期（月）", "延长预备期（月）：延长预备期须填写月数（6–12 个月）", "missing")
        )
    if kind == StepKind.NOTICE and payload.notice and payload.on not in (None, payload.notice.end):
        problems.append(Problem("日期", "日期：公示环节的日期即公示结束日期", "invalid"))
    if kind != StepKind.NOTICE and payload.on is None:
        problems.append(Problem("日期", "日期：不能为空", "missing"))
    if kind == StepKind.STOP and not payload.note.strip():
        problems.append(Problem("说明", "说明：终止培养须写明原因", "missing"))
    return problems


DossierId = Path(..., ge=1, le=MAX_ID, title="档案编号")


# --- operations ---------------------------------------------------------------------------
@router.get("/dossiers", response=DossierPage, summary="发展党员档案列表")
@requires_api("admission.view")
def list_dossiers(
    request,
    branch: int | None = Query(None, ge=1, le=MAX_ID, title="党支部"),
    stage: Stage | None = Query(None, title="阶段"),  # noqa: B008 (ninja parameter)
    page: int = Query(1, ge=1, le=MAX_PAGE, title="页码"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE, title="每页条数"),
):
    qs = selectors.visible_dossiers(request.auth)
    if branch is not None:
        qs = qs.filter(person__branch_id=branch)
    if stage is not None:
        qs = qs.filter(stage=stage)
    qs = qs.select_related("person", "person__branch").order_by("stage_since", "id")
    return paginate(qs, page=page, page_size=page_size, convert=_list_item)


@router.get("/dossiers/{dossier_id}", response=DossierOut, summary="发展党员档案：各环节记录与审批条件")
@requires_api("admission.view")
def get_dossier(request, dossier_id: int = DossierId):
    return _out(selectors.get_dossier(request.auth, dossier_id))


@router.post("/dossiers", response={201: DossierOut}, summary="建立发展党员档案（递交入党申请书）")
@requires_api("admission.record")
def open_dossier(request, payload: DossierCreateIn):
    user = request.auth
    try:
        person = people_selectors.get_person(user, payload.person_id, action="admission.record")
    except NotFoundOrForbidden:
        raise DomainError("人员：不存在或无权查看", field="人员", code="not_found") from None
    dossier = services.open_dossier(
        person=person, on=payload.on, acting_user=user, note=payload.note, document=payload.document
    )
    return Status(201, _out(selectors.get_dossier(user, dossier.pk)))


@router.post(
    "/dossiers/{dossier_id}/steps",
    response={201: DossierOut},
    summary="记录一个发展环节（不符合规定的，逐条说明原因，不予记录）",
)
@requires_api("admission.record")
def record_step(request, payload: StepIn, dossier_id: int = DossierId):
    user = request.auth
    dossier = selectors.get_dossier(user, dossier_id)
    problems = _field_problems(payload)
    if problems:
        raise DomainError(problems)
    services.record_step(
        dossier=dossier,
        step=services.StepInput(
            kind=payload.kind,
            on=payload.on or payload.notice.end,
            decided_by=payload.decided_by,
            meeting=payload.meeting,
            document=payload.document,
            note=payload.note,
            data=_step_data(user, payload, dossier),
        ),
        acting_user=user,
    )
    return Status(201, _out(selectors.get_dossier(user, dossier.pk)))


CHECK_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": True,
                "description": (
                    "与 manage.py admission_check 相同的 JSON：birth_date, application_date, "
                    "application_talk_date, activist_date, mentors[{full_member}], inspections[], "
                    "candidate_date, sponsors[{full_member}], political_review_date, training{days, hours}, "
                    "committee_review_date, notice{start, end, objections[{resolved}]}, pre_review_date, "
                    "knowledge_passed, motive_ok, able_to_fulfil_duties, "
                    "congress{date, should_attend, present, in_favour}, committee_talk_date, approval_date"
                    "（日期为 YYYY-MM-DD；未发生的环节可缺省或为 null；其他键忽略）"
                ),
            }
        }
    },
    "required": True,
}


def _non_finite(obj: Any) -> bool:
    """Whether the parsed JSON holds NaN or ±Infinity anywhere (iteratively: the parser
    allows deeper nesting than a recursive walk would)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@router.post(
    "/check",
    response=VerdictOut,
    summary="按“五查五不批”等规定检查一份发展党员档案（与 manage.py admission_check 相同）",
    openapi_extra={"requestBody": CHECK_BODY},
)
@requires_api(AUTHENTICATED)
def check(request, dossier: Any = Body(..., title="档案")):  # noqa: B008 (ninja parameter)
    """Stateless: nothing is read or written. `approvable` says whether the party
    committee may approve on `approval_date` (today when missing)."""
    try:
        if _non_finite(dossier):
            raise rules.InvalidDossier("不是有效的 JSON：含有 NaN/Infinity")
        facts = rules.dossier_from_json(dossier)
    except rules.InvalidDossier as exc:
        raise DomainError(exc.message, code="invalid_dossier") from None
    on = facts.approval_date or timezone.localdate()
    return rules.check_approval(facts, on=on, notice_rule=services.notice_rule()).as_dict()
