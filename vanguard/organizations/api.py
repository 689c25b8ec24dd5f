"""/api/orgs: the organisation tree for mobile apps and HR systems. Thin: parse, call one
selector or service, shape the answer. Reads go through the selectors (scope), writes
through the services (rules, history, audit)."""

from datetime import date

from ninja import Field, Path, Query, Schema, Status

from vanguard.accounts.api import (
    MAX_ID,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    ApiDate,
    ApiInt,
    ApiRouter,
    id_field,
    paginate,
    requires_api,
    text_field,
)
from vanguard.accounts.policy import scope_of
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations import selectors, services
from vanguard.organizations.models import Organization, OrgKind, OrgStatus, ProductionUnit

router = ApiRouter(tags=["组织"])

NOT_MANAGEABLE = "组织：超出您的管理范围"


# --- schemas ------------------------------------------------------------------------------
class OrgRef(Schema):
    id: int
    name: str
    kind: OrgKind


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str


class OrgOut(Schema):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    status: OrgStatus
    status_label: str
    parent_id: int | None
    depth: int
    established_on: date | None
    ended_on: date | None
    merged_into_id: int | None


class OrgDetailOut(OrgOut):
    ancestors: list[OrgRef]
    children: list[OrgOut]
    units: list[UnitOut]


class OrgPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OrgOut]


class OrgCreateIn(Schema, extra="forbid"):
    name: str = text_field(..., title="组织名称", max_length=100, min_length=1)
    kind: OrgKind = Field(..., title="组织类型")
    parent_id: ApiInt | None = id_field(None, title="上级组织")
    established_on: ApiDate | None = Field(None, title="成立日期")


class RenameIn(Schema, extra="forbid"):
    name: str = text_field(..., title="组织名称", max_length=100, min_length=1)
    on: ApiDate | None = Field(None, title="日期")


class MoveIn(Schema, extra="forbid"):
    parent_id: ApiInt = id_field(..., title="上级组织")
    on: ApiDate | None = Field(None, title="日期")


class MergeIn(Schema, extra="forbid"):
    target_id: ApiInt = id_field(..., title="并入组织")
    on: ApiDate | None = Field(None, title="日期")


class DissolveIn(Schema, extra="forbid"):
    on: ApiDate | None = Field(None, title="日期")
    note: str = text_field("", title="说明", max_length=500, multiline=True)


# --- helpers ------------------------------------------------------------------------------
def _out(org: Organization) -> dict:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "status": org.status,
        "status_label": org.get_status_display(),
        "parent_id": org.parent_id,
        "depth": org.depth,
        "established_on": org.established_on,
        "ended_on": org.ended_on,
        "merged_into_id": org.merged_into_id,
    }


def _ref(org: Organization) -> dict:
    return {"id": org.pk, "name": org.name, "kind": org.kind}


def _detail(user, org: Organization) -> dict:
    visible = selectors.visible_organizations(user)
    ancestors = {o.pk: o for o in visible.filter(pk__in=org.ancestor_ids)}
    children = visible.filter(parent=org).order_by("sort_order", "name")
    units = ProductionUnit.objects.filter(organization=org, is_active=True).order_by("kind", "name")
    return {
        **_out(org),
        "ancestors": [_ref(ancestors[i]) for i in org.ancestor_ids if i in ancestors],
        "children": [_out(c) for c in children],
        "units": [
            {"id": u.pk, "name": u.name, "kind": u.kind, "kind_label": u.get_kind_display()} for u in units
        ],
    }


def _manageable(user, org_id: int) -> Organization:
    """The organisation, if the user can see it (else 404) and manage it (else 403)."""
    org = selectors.get_organization(user, org_id)
    if not scope_of(user).allows_org("org.manage", org):
        raise DomainError(NOT_MANAGEABLE, field="组织", code="forbidden")
    return org


def _reference(user, org_id: int, *, label: str) -> Organization:
    """An organisation named in the request body: one the user cannot see is reported
    against that field, worded exactly like one that does not exist."""
    try:
        return selectors.get_organization(user, org_id)
    except NotFoundOrForbidden:
        raise DomainError(f"{label}：不存在或无权查看", field=label, code="not_found") from None


OrgId = Path(..., ge=1, le=MAX_ID, title="组织编号")


# --- operations ---------------------------------------------------------------------------
@router.get("", response=OrgPage, summary="组织列表（按树的先序）")
@requires_api("org.view")
def list_organizations(
    request,
    kind: OrgKind | None = Query(None, title="组织类型"),  # noqa: B008 (ninja parameter)
    parent: int | None = Query(None, ge=1, le=MAX_ID, title="上级组织"),
    q: str = Query("", max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$", title="名称包含"),
    include_closed: bool = Query(False, title="包括已撤销、已合并的组织"),
    page: int = Query(1, ge=1, le=MAX_PAGE, title="页码"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE, title="每页条数"),
):
    qs = selectors.visible_organizations(request.auth, include_closed=include_closed)
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent_id=parent)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return paginate(qs.order_by("path"), page=page, page_size=page_size, convert=_out)


@router.get("/{org_id}", response=OrgDetailOut, summary="组织详情（含上级链与下级组织）")
@requires_api("org.view")
def get_organization(request, org_id: int = OrgId):
    return _detail(request.auth, selectors.get_organization(request.auth, org_id))


@router.post("", response={201: OrgDetailOut}, summary="建立组织")
@requires_api("org.manage")
def create_organization(request, payload: OrgCreateIn):
    parent = None
    if payload.parent_id is not None:
        parent = _reference(request.auth, payload.parent_id, label="上级组织")
    org = services.create_organization(
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        established_on=payload.established_on,
        acting_user=request.auth,
    )
    return Status(201, _detail(request.auth, org))


@router.post("/{org_id}/rename", response=OrgDetailOut, summary="更名")
@requires_api("org.manage")
def rename_organization(request, payload: RenameIn, org_id: int = OrgId):
    org = _manageable(request.auth, org_id)
    org = services.rename_organization(
        organization=org, name=payload.name, on=payload.on, acting_user=request.auth
    )
    return _detail(request.auth, org)


@router.post("/{org_id}/move", response=OrgDetailOut, summary="调整隶属关系")
@requires_api("org.manage")
def move_organization(request, payload: MoveIn, org_id: int = OrgId):
    org = _manageable(request.auth, org_id)
    new_parent = _reference(request.auth, payload.parent_id, label="上级组织")
    org = services.move_organization(
        organization=org, new_parent=new_parent, on=payload.on, acting_user=request.auth
    )
    return _detail(request.auth, org)


@router.post("/{org_id}/merge", response=OrgDetailOut, summary="合并（本组织并入目标组织），返回目标组织")
@requires_api("org.manage")
def merge_organization(request, payload: MergeIn, org_id: int = OrgId):
    source = _manageable(request.auth, org_id)
    target = _reference(request.auth, payload.target_id, label="并入组织")
    target = services.merge_organization(
        source=source, target=target, on=payload.on, acting_user=request.auth
    )
    return _detail(request.auth, target)


@router.post("/{org_id}/dissolve", response=OrgDetailOut, summary="撤销")
@requires_api("org.manage")
def dissolve_organization(request, payload: DissolveIn, org_id: int = OrgId):
    org = _manageable(request.auth, org_id)
    org = services.dissolve_organization(
        organization=org, on=payload.on, note=payload.note, acting_user=request.auth
    )
    return _detail(request.auth, org)
