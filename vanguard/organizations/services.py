"""Every write to the organisation tree. Keyword-only, acting_user, atomic, audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.core import audit
from vanguard.core.errors import DomainError
from vanguard.organizations.models import (
    Organization,
    OrgEvent,
    OrgEventKind,
    OrgStatus,
    ProductionUnit,
)
from vanguard.organizations.rules import KIND_LABELS, placement_problem
from vanguard.organizations.signals import organization_dissolving, organization_merged


def _today() -> date:
    return timezone.localdate()


def _require(acting_user, org: Organization | None, *, kind: str | None = None) -> None:
    """The user may manage `org` (or, for a new top node, the whole enterprise)."""
    if acting_user is None:  # system jobs (seed, import run by an operator on the command line)
        return
    scope = scope_of(acting_user)
    if org is None:
        if not scope.is_enterprise:
            raise DomainError(
                "上级组织：只有党委组织部可以建立最顶层组织", field="上级组织", code="forbidden"
            )
        return
    probe = org
    if kind is not None:  # creating a child: judge by the child-to-be
        probe = Organization(kind=kind, parent_id=org.pk, path=org.path + "0/")
    if not scope.allows_org("org.manage", probe):
        raise DomainError("组织：超出您的管理范围", field="组织", code="forbidden")


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("组织名称：不能为空", field="组织名称", code="required")
    if len(name) > 100:
        raise DomainError("组织名称：不能超过 100 个字", field="组织名称", code="too_long")
    return name


def _check_unique(name: str, parent: Organization | None, exclude_pk: int | None = None) -> None:
    clash = Organization.objects.filter(parent=parent, name=name, status=OrgStatus.ACTIVE)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        where = f"“{parent.name}”下" if parent else "最顶层"
        raise DomainError(f"组织名称：{where}已有名为“{name}”的组织", field="组织名称", code="duplicate")


@transaction.atomic
def create_organization(
    *,
    name: str,
    kind: str,
    parent: Organization | None,
    acting_user,
    established_on: date | None = None,
) -> Organization:
    name = _check_name(name)
    if kind not in KIND_LABELS:
        raise DomainError("组织类型：应为 党委、党总支、党支部 或 党小组", field="组织类型")
    if parent is not None and not parent.is_active:
        raise DomainError(f"上级组织：“{parent.name}”已撤销，不能在其下建立组织", field="上级组织")
    problem = placement_problem(kind, parent.kind if parent else None)
    if problem:
        raise DomainError(problem, field="上级组织", code="placement")
    _require(acting_user, parent, kind=kind)
    _check_unique(name, parent)
    org = Organization.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        established_on=established_on or _today(),
        depth=(parent.depth + 1) if parent else 0,
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    OrgEvent.objects.create(
        organization=org,
        kind=OrgEventKind.CREATED,
        on=org.established_on,
        new_value=name,
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="org.create",
        obj=org,
        summary=f"建立{KIND_LABELS[kind]}“{name}”",
        changes={"parent": parent.name if parent else None},
    )
    return org


def _user(acting_user):
    return acting_user if acting_user is not None and acting_user.is_authenticated else None


def _require_active(org: Organization) -> None:
    if not org.is_active:
        raise DomainError(
            f"组织：“{org.name}”已{org.get_status_display()}，其记录只读",
            field="组织",
            code="closed",
        )


@transaction.atomic
def rename_organization(
    *, organization: Organization, name: str, acting_user, on: date | None = None
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_active(org)
    _require(acting_user, org)
    name = _check_name(name)
    if name == org.name:
        return org
    _check_unique(name, org.parent, exclude_pk=org.pk)
    old = org.name
    org.name = name
    org.save(update_fields=["name", "updated_at"])
    OrgEvent.objects.create(
        organization=org,
        kind=OrgEventKind.RENAMED,
        on=on or _today(),
        old_value=old,
        new_value=name,
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="org.rename",
        obj=org,
        summary=f"“{old}”更名为“{name}”",
        changes={"name": [old, name]},
    )
    return org


@transaction.atomic
def move_organization(
    *, organization: Organization, new_parent: Organization, acting_user, on: date | None = None
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_active(org)
    _require(acting_user, org)
    _require(acting_user, new_parent, kind=org.kind)
    if not new_parent.is_active:
        raise DomainError(f"上级组织：“{new_parent.name}”已撤销", field="上级组织")
    if new_parent.path.startswith(org.path):
        raise DomainError("上级组织：不能把组织移到它自己或它的下级之下", field="上级组织", code="cycle")
    problem = placement_problem(org.kind, new_parent.kind)
    if problem:
        raise DomainError(problem, field="上级组织", code="placement")
    if org.parent_id == new_parent.pk:
        return org
    _check_unique(org.name, new_parent, exclude_pk=org.pk)
    old_parent = org.parent
    old_path, new_path = org.path, f"{new_parent.path}{org.pk}/"
    depth_shift = new_parent.depth + 1 - org.depth
    # Rewrite the materialised path of the whole subtree in one statement.
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    OrgEvent.objects.create(
        organization=org,
        kind=OrgEventKind.MOVED,
        on=on or _today(),
        old_value=old_parent.name if old_parent else "",
        new_value=new_parent.name,
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="org.move",
        obj=org,
        summary=f"“{org.name}”改隶“{new_parent.name}”",
        changes={"parent": [old_parent.name if old_parent else None, new_parent.name]},
    )
    return org


@transaction.atomic
def merge_organization(
    *, source: Organization, target: Organization, acting_user, on: date | None = None
) -> Organization:
    """Merge `source` into `target` (same kind): members move to the target, active
    child organisations are re-parented, the source is closed as 已合并 and kept."""
    src = Organization.objects.select_for_update().get(pk=source.pk)
    _require_active(src)
    _require_active(target)
    _require(acting_user, src)
    _require(acting_user, target)
    if src.pk == target.pk:
        raise DomainError("并入组织：不能与自身合并", field="并入组织")
    if src.kind != target.kind:
        raise DomainError(
            f"并入组织：只能合并同类组织（{KIND_LABELS[src.kind]}不能并入{KIND_LABELS[target.kind]}）",
            field="并入组织",
        )
    if target.path.startswith(src.path):
        raise DomainError("并入组织：不能并入自己的下级组织", field="并入组织")
    day = on or _today()
    for child in src.children.filter(status=OrgStatus.ACTIVE):
        if Organization.objects.filter(parent=target, name=child.name, status=OrgStatus.ACTIVE).exists():
            raise DomainError(
                f"并入组织：“{target.name}”下已有“{child.name}”，请先为“{src.name}”的这个下级组织更名",
                field="并入组织",
                code="duplicate",
            )
        move_organization(organization=child, new_parent=target, acting_user=acting_user, on=day)
    ProductionUnit.objects.filter(organization=src).update(organization=target)
    organization_merged.send(sender=Organization, source=src, target=target, on=day, acting_user=acting_user)
    src.status, src.ended_on, src.merged_into = OrgStatus.MERGED, day, target
    src.save(update_fields=["status", "ended_on", "merged_into", "updated_at"])
    OrgEvent.objects.create(
        organization=src,
        kind=OrgEventKind.MERGED,
        on=day,
        old_value=src.name,
        new_value=target.name,
        actor=_user(acting_user),
    )
    OrgEvent.objects.create(
        organization=target,
        kind=OrgEventKind.MERGED,
        on=day,
        old_value=src.name,
        new_value=target.name,
        note=f"“{src.name}”并入",
        actor=_user(acting_user),
    )
    audit.record(actor=acting_user, action="org.merge", obj=src, summary=f"“{src.name}”并入“{target.name}”")
    return target


@transaction.atomic
def dissolve_organization(
    *, organization: Organization, acting_user, on: date | None = None, note: str = ""
) -> Organization:
    """Close a node. Refused while it has active sub-organisations or members (merge
    it, or transfer them, first): nobody is left without a branch."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_active(org)
    _require(acting_user, org)
    active_children = list(org.children.filter(status=OrgStatus.ACTIVE).values_list("name", flat=True)[:5])
    if active_children:
        raise DomainError(
            f"组织：“{org.name}”下还有正常的下级组织（{'、'.join(active_children)}），请先撤销或合并它们",
            field="组织",
            code="has_children",
        )
    organization_dissolving.send(sender=Organization, organization=org, acting_user=acting_user)
    org.status, org.ended_on = OrgStatus.DISSOLVED, on or _today()
    org.save(update_fields=["status", "ended_on", "updated_at"])
    ProductionUnit.objects.filter(organization=org).update(is_active=False)
    OrgEvent.objects.create(
        organization=org,
        kind=OrgEventKind.DISSOLVED,
        on=org.ended_on,
        old_value=org.name,
        note=note[:500],
        actor=_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="org.dissolve",
        obj=org,
        summary=f"撤销“{org.name}”",
        changes={"note": note},
    )
    return org


@transaction.atomic
def create_unit(
    *,
    name: str,
    kind: str,
    organization: Organization,
    parent: ProductionUnit | None = None,
    acting_user,
) -> ProductionUnit:
    _require_active(organization)
    _require(acting_user, organization)
    name = _check_name(name)
    unit = ProductionUnit.objects.create(name=name, kind=kind, organization=organization, parent=parent)
    audit.record(
        actor=acting_user,
        action="unit.create",
        obj=unit,
        summary=f"“{organization.name}”覆盖“{name}”",
    )
    return unit
