"""Reads of the organisation tree, always scoped by the acting user's visibility."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vanguard.accounts.policy import scope_of
from vanguard.core.errors import NotFoundOrForbidden
from vanguard.organizations.models import Organization, OrgKind, OrgStatus, ProductionUnit


def visible_organizations(
    user, *, action: str = "org.view", include_closed: bool = True
) -> QuerySet[Organization]:
    qs = Organization.objects.filter(scope_of(user).orgs_q(action))
    if not include_closed:
        qs = qs.filter(status=OrgStatus.ACTIVE)
    return qs


def get_organization(user, pk, *, action: str = "org.view") -> Organization:
    try:
        return visible_organizations(user, action=action).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden from None


def tree(user, *, include_closed: bool = False) -> list[Organization]:
    """The visible tree in pre-order (path order), with each node's units attached as
    `unit_list`. Two queries whatever the size."""
    orgs = list(visible_organizations(user, include_closed=include_closed).order_by("path"))
    units: dict[int, list[ProductionUnit]] = {}
    for unit in ProductionUnit.objects.filter(organization__in=[o.pk for o in orgs], is_active=True).order_by(
        "name"
    ):
        units.setdefault(unit.organization_id, []).append(unit)
    for org in orgs:
        org.unit_list = units.get(org.pk, [])
    # Sort siblings by name within the path order so that the tree reads alphabetically.
    return _sorted_preorder(orgs)


def _sorted_preorder(orgs: list[Organization]) -> list[Organization]:
    by_parent: dict[int | None, list[Organization]] = {}
    ids = {o.pk for o in orgs}
    for o in orgs:
        key = o.parent_id if o.parent_id in ids else None
        by_parent.setdefault(key, []).append(o)
    out: list[Organization] = []

    def walk(parent_id, level):
        for o in sorted(by_parent.get(parent_id, []), key=lambda x: (x.sort_order, x.name)):
            o.level = level
            out.append(o)
            walk(o.pk, level + 1)

    walk(None, 0)
    return out


def branches(user, *, action: str = "org.view", include_closed: bool = False) -> QuerySet[Organization]:
    return visible_organizations(user, action=action, include_closed=include_closed).filter(
        kind=OrgKind.BRANCH
    )


def ancestors_of(org: Organization) -> list[Organization]:
    ids = org.ancestor_ids
    found = {o.pk: o for o in Organization.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def resolve_by_name(
    text: str, *, kind: str | None = None, among: QuerySet[Organization] | None = None
) -> tuple[Organization | None, str]:
    """Find an active organisation by a bare name (when unique) or a path of names
    ("一矿党委/综采一队党支部"). Returns (org, "") or (None, reason in Chinese)."""
    qs = among if among is not None else Organization.objects.all()
    qs = qs.filter(status=OrgStatus.ACTIVE)
    if kind:
        qs = qs.filter(kind=kind)
    parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
    if not parts:
        return None, "不能为空"
    candidates = list(qs.filter(name=parts[-1]))
    if len(parts) > 1:
        chain = parts[:-1]
        names = {
            o.pk: o.name
            for o in Organization.objects.filter(Q(pk__in={i for c in candidates for i in c.ancestor_ids}))
        }
        candidates = [c for c in candidates if _ends_with(c, chain, names)]
    if not candidates:
        return None, f"找不到名为“{text}”的组织"
    if len(candidates) > 1:
        return (
            None,
            f"有 {len(candidates)} 个组织都叫“{parts[-1]}”，请写明上级，如“上级党委/{parts[-1]}”",
        )
    return candidates[0], ""


def _ends_with(org: Organization, chain: list[str], names: dict[int, str]) -> bool:
    """The written chain of names is an ordered subsequence of the org's ancestors, so
    "一矿党委/综采一队党支部" also finds a branch under a general branch of 一矿党委."""
    ancestors = iter(names.get(i, "") for i in org.ancestor_ids)
    return all(any(a == name for a in ancestors) for name in chain)


class OrgDirectory:
    """Every active organisation, loaded once, for resolving many names without a query
    each (the roster import names thousands of branches and groups). Same answers and
    messages as `resolve_by_name`."""

    def __init__(self, queryset: QuerySet[Organization] | None = None):
        qs = (queryset if queryset is not None else Organization.objects.all()).filter(
            status=OrgStatus.ACTIVE
        )
        # Only the columns a resolution needs: timestamps cost more to convert than the rest.
        fields = ("id", "name", "kind", "parent_id", "path", "depth", "status", "sort_order")
        self.orgs: dict[int, Organization] = {o.pk: o for o in qs.only(*fields).order_by("path")}
        self.by_name: dict[str, list[Organization]] = {}
        self.by_parent_and_name: dict[tuple[int | None, str], list[Organization]] = {}
        for o in self.orgs.values():
            self.by_name.setdefault(o.name, []).append(o)
            self.by_parent_and_name.setdefault((o.parent_id, o.name), []).append(o)
        self._names = {pk: o.name for pk, o in self.orgs.items()}

    def resolve(
        self, text: str, *, kind: str | None = None, parent_id: int | None = None
    ) -> tuple[Organization | None, str]:
        parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
        if not parts:
            return None, "不能为空"
        pool = (
            self.by_name.get(parts[-1], [])
            if parent_id is None
            else self.by_parent_and_name.get((parent_id, parts[-1]), [])
        )
        candidates = [o for o in pool if kind is None or o.kind == kind]
        if len(parts) > 1:
            candidates = [c for c in candidates if _ends_with(c, parts[:-1], self._names)]
        if not candidates:
            return None, f"找不到名为“{text}”的组织"
        if len(candidates) > 1:
            return None, f"有 {len(candidates)} 个组织都叫“{parts[-1]}”，请写明上级，如“上级党委/{parts[-1]}”"
        return candidates[0], ""
