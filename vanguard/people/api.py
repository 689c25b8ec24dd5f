"""/api/people: the register for mobile apps and HR systems. Thin: parse, call one
selector or service, shape the answer. ID and phone numbers are always masked; the
full value comes only from /reveal, which is audited (services.reveal)."""

from datetime import date

from django.db.models import TextChoices
from ninja import Field, Path, Query, Schema, Status

from vanguard.accounts.api import (
    MAX_ID,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    SINGLE_LINE,
    ApiBool,
    ApiDate,
    ApiInt,
    ApiRouter,
    id_field,
    paginate,
    requires_api,
    text_field,
)
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations import selectors as org_selectors
from vanguard.organizations.models import Organization, ProductionUnit
from vanguard.people import rules, selectors, services
from vanguard.people.models import (
    ArchiveReason,
    Education,
    Employment,
    Gender,
    Person,
    PersonEvent,
    PoliticalStatus,
    RecordStatus,
)
from vanguard.people.services import FIELD_NAMES, PersonData

router = ApiRouter(tags=["人员"])


# --- schemas ------------------------------------------------------------------------------
class OrgRef(Schema):
    id: int
    name: str


class PersonListItem(Schema):
    id: int
    name: str
    gender: Gender
    birth_date: date
    id_number_masked: str = Field(description="脱敏：保留前 6 位与后 4 位")
    phone_masked: str = Field(description="脱敏：保留前 3 位与后 4 位")
    political_status: PoliticalStatus
    political_status_label: str
    branch: OrgRef
    group: OrgRef | None
    status: RecordStatus


class PersonOut(PersonListItem):
    ethnicity: str
    native_place: str
    education: str
    application_date: date | None
    join_date: date | None
    full_member_date: date | None
    party_post: str
    work_district: OrgRef | None
    crew: OrgRef | None
    job_post: str
    job_type: str
    is_frontline: bool
    is_technician: bool
    is_backbone: bool
    employment: Employment
    is_in_difficulty: bool
    is_mobile: bool
    archived_on: date | None
    archive_reason: str
    note: str


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonListItem]


class PersonFields(Schema, extra="forbid"):
    """Every editable field, all optional: the body of PATCH. Titles are the labels
    the rules use in their messages, so a rule's complaint names the API field."""

    name: str = text_field(None, title="姓名", max_length=40, min_length=1)
    gender: Gender | None = Field(None, title="性别")
    birth_date: ApiDate | None = Field(None, title="出生日期")
    id_number: str | None = text_field(None, title="身份证号", max_length=30)
    ethnicity: str = text_field(None, title="民族", max_length=20)
    native_place: str = text_field(None, title="籍贯", max_length=50)
    education: Education | None = Field(None, title="学历")
    phone: str = text_field(None, title="联系电话", max_length=30)
    political_status: PoliticalStatus = Field(None, title="政治面貌")
    application_date: ApiDate | None = Field(None, title="申请入党日期")
    join_date: ApiDate | None = Field(None, title="入党日期")
    full_member_date: ApiDate | None = Field(None, title="转正日期")
    group_id: ApiInt | None = id_field(None, title="党小组")
    party_post: str = text_field(None, title="党内职务", max_length=50)
    work_district_id: ApiInt | None = id_field(None, title="区队")
    crew_id: ApiInt | None = id_field(None, title="班组")
    job_post: str = text_field(None, title="岗位", max_length=50)
    job_type: str = text_field(None, title="工种", max_length=50)
    is_frontline: ApiBool = Field(None, title="一线职工")
    is_technician: ApiBool = Field(None, title="专业技术人员")
    is_backbone: ApiBool = Field(None, title="生产骨干")
    employment: Employment = Field(None, title="在岗情况")
    is_in_difficulty: ApiBool = Field(None, title="困难党员/职工")
    is_mobile: ApiBool = Field(None, title="流动党员")
    note: str = text_field(None, title="备注", max_length=2000, multiline=True)


class PersonCreateIn(PersonFields):
    name: str = text_field(..., title="姓名", max_length=40, min_length=1)
    branch_id: ApiInt = id_field(..., title="所在党支部")


class TransferIn(Schema, extra="forbid"):
    to_branch_id: ApiInt = id_field(..., title="转入支部")
    to_group_id: ApiInt | None = id_field(None, title="转入党小组")
    on: ApiDate | None = Field(None, title="转接日期")
    note: str = text_field("", title="说明", max_length=200)


class ArchiveIn(Schema, extra="forbid"):
    reason: ArchiveReason = Field(..., title="归档原因")
    on: ApiDate | None = Field(None, title="归档日期")
    note: str = text_field("", title="说明", max_length=200)


class RestoreIn(Schema, extra="forbid"):
    note: str = text_field("", title="说明", max_length=200)


class RevealOut(Schema):
    field: str
    value: str


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    on: date
    summary: str
    from_branch: str
    to_branch: str
    actor: str


class EventPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EventOut]


class RevealableField(TextChoices):
    ID_NUMBER = "id_number", "身份证号"
    PHONE = "phone", "联系电话"


# --- helpers ------------------------------------------------------------------------------
def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _list_item(p: Person) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "gender": p.gender,
        "birth_date": p.birth_date,
        "id_number_masked": rules.mask_id_number(p.id_number),
        "phone_masked": rules.mask_phone(p.phone),
        "political_status": p.political_status,
        "political_status_label": p.get_political_status_display(),
        "branch": _ref(p.branch),
        "group": _ref(p.group),
        "status": p.status,
    }


def _out(p: Person) -> dict:
    return {
        **_list_item(p),
        "ethnicity": p.ethnicity,
        "native_place": p.native_place,
        "education": p.education,
        "application_date": p.application_date,
        "join_date": p.join_date,
        "full_member_date": p.full_member_date,
        "party_post": p.party_post,
        "work_district": _ref(p.work_district),
        "crew": _ref(p.crew),
        "job_post": p.job_post,
        "job_type": p.job_type,
        "is_frontline": p.is_frontline,
        "is_technician": p.is_technician,
        "is_backbone": p.is_backbone,
        "employment": p.employment,
        "is_in_difficulty": p.is_in_difficulty,
        "is_mobile": p.is_mobile,
        "archived_on": p.archived_on,
        "archive_reason": p.archive_reason,
        "note": p.note,
    }


def _org(user, org_id: int, *, label: str) -> Organization:
    """An organisation named in the body; one outside the user's sight reads exactly
    like one that does not exist, reported against its field."""
    try:
        return org_selectors.get_organization(user, org_id)
    except NotFoundOrForbidden:
        raise DomainError(f"{label}：不存在或无权查看", field=label, code="not_found") from None


def _unit(user, unit_id: int, *, label: str) -> ProductionUnit:
    unit = ProductionUnit.objects.filter(
        pk=unit_id, organization__in=org_selectors.visible_organizations(user)
    ).first()
    if unit is None:
        raise DomainError(f"{label}：不存在或无权查看", field=label, code="not_found")
    return unit


_REFERENCES = {
    "group_id": ("group", "党小组", _org),
    "work_district_id": ("work_district", "区队", _unit),
    "crew_id": ("crew", "班组", _unit),
}
_BLANK_WHEN_NULL = {"education"}


def _apply(user, data: PersonData, given: dict) -> PersonData:
    """Lay the given fields over `data`; references by id become objects."""
    for key, value in given.items():
        if key in _REFERENCES:
            attr, label, resolve = _REFERENCES[key]
            setattr(data, attr, resolve(user, value, label=label) if value is not None else None)
        elif key in _BLANK_WHEN_NULL:
            setattr(data, key, value or "")
        elif key in FIELD_NAMES:
            setattr(data, key, value)
    return data


def _given(payload: Schema) -> dict:
    """The fields the client actually sent (PATCH semantics)."""
    return payload.model_dump(exclude_unset=True)


PersonId = Path(..., ge=1, le=MAX_ID, title="人员编号")


# --- operations ---------------------------------------------------------------------------
@router.get("", response=PersonPage, summary="人员列表与查找（证件号、电话已脱敏）")
@requires_api("person.view")
def list_people(
    request,
    q: str = Query(
        "",
        max_length=50,
        pattern=SINGLE_LINE,
        title="查找",
        description="姓名、拼音或首字母、电话、证件号尾号",
    ),
    branch: int | None = Query(None, ge=1, le=MAX_ID, title="党支部或党小组"),
    political_status: PoliticalStatus | None = Query(None, title="政治面貌"),  # noqa: B008 (ninja parameter)
    include_archived: bool = Query(False, title="包括已归档"),
    page: int = Query(1, ge=1, le=MAX_PAGE, title="页码"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE, title="每页条数"),
):
    qs = selectors.search_people(
        request.auth,
        q,
        branch_id=branch,
        political_status=political_status or "",
        include_archived=include_archived,
    )
    return paginate(qs, page=page, page_size=page_size, convert=_list_item)


@router.get("/{person_id}", response=PersonOut, summary="人员详情（证件号、电话已脱敏）")
@requires_api("person.view")
def get_person(request, person_id: int = PersonId):
    return _out(selectors.get_person(request.auth, person_id))


@router.post("", response={201: PersonOut}, summary="建档")
@requires_api("person.manage")
def create_person(request, payload: PersonCreateIn):
    user = request.auth
    given = _given(payload)
    branch = _org(user, given.pop("branch_id"), label="所在党支部")
    data = _apply(user, PersonData(name="", gender=None, birth_date=None, branch=branch), given)
    person = services.create_person(data=data, acting_user=user)
    return Status(201, _out(selectors.get_person(user, person.pk)))


@router.patch("/{person_id}", response=PersonOut, summary="修改（只改所给字段；更换支部请用转接）")
@requires_api("person.manage")
def update_person(request, payload: PersonFields, person_id: int = PersonId):
    user = request.auth
    person = selectors.get_person(user, person_id)
    data = PersonData(**{name: getattr(person, name) for name in FIELD_NAMES})
    data = _apply(user, data, _given(payload))
    services.update_person(person=person, data=data, acting_user=user)
    return _out(selectors.get_person(user, person.pk))


@router.post("/{person_id}/transfer", response=PersonOut, summary="组织关系转接（企业内）")
@requires_api("person.manage")
def transfer_person(request, payload: TransferIn, person_id: int = PersonId):
    user = request.auth
    person = selectors.get_person(user, person_id)
    to_branch = _org(user, payload.to_branch_id, label="转入支部")
    to_group = _org(user, payload.to_group_id, label="转入党小组") if payload.to_group_id else None
    services.transfer_person(
        person=person,
        to_branch=to_branch,
        to_group=to_group,
        on=payload.on,
        note=payload.note,
        acting_user=user,
    )
    # The service only transfers into branches the user manages: still in scope.
    return _out(selectors.get_person(user, person.pk))


@router.post("/{person_id}/archive", response=PersonOut, summary="归档")
@requires_api("person.manage")
def archive_person(request, payload: ArchiveIn, person_id: int = PersonId):
    user = request.auth
    person = selectors.get_person(user, person_id)
    services.archive_person(
        person=person, reason=payload.reason, on=payload.on, note=payload.note, acting_user=user
    )
    return _out(selectors.get_person(user, person.pk))


@router.post("/{person_id}/restore", response=PersonOut, summary="恢复在册")
@requires_api("person.manage")
def restore_person(request, payload: RestoreIn, person_id: int = PersonId):
    user = request.auth
    person = selectors.get_person(user, person_id)
    services.restore_person(person=person, note=payload.note, acting_user=user)
    return _out(selectors.get_person(user, person.pk))


@router.get("/{person_id}/reveal", response=RevealOut, summary="查看完整证件号或电话（留痕）")
@requires_api("person.unmask")
def reveal(
    request,
    person_id: int = PersonId,
    field: RevealableField = Query(..., title="字段"),  # noqa: B008 (ninja parameter)
):
    person = selectors.get_person(request.auth, person_id)
    value = services.reveal(person=person, field=field, acting_user=request.auth)
    return {"field": field, "value": value}


@router.get("/{person_id}/events", response=EventPage, summary="人员沿革")
@requires_api("person.view")
def person_events(
    request,
    person_id: int = PersonId,
    page: int = Query(1, ge=1, le=MAX_PAGE, title="页码"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE, title="每页条数"),
):
    person = selectors.get_person(request.auth, person_id)
    return paginate(selectors.history(person), page=page, page_size=page_size, convert=_event)


def _event(e: PersonEvent) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": e.get_kind_display(),
        "on": e.on,
        "summary": e.summary,
        "from_branch": e.from_branch.name if e.from_branch else "",
        "to_branch": e.to_branch.name if e.to_branch else "",
        "actor": str(e.actor) if e.actor else "",
    }
