"""Organisation tree pages. Thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations import forms, selectors, services
from vanguard.organizations.rules import ALLOWED_PARENTS


def _get(request, pk, action="org.view"):
    try:
        return selectors.get_organization(request.user, pk, action=action)
    except NotFoundOrForbidden:
        raise Http404("组织不存在或超出您的查看范围") from None


@requires("org.view")
def tree(request):
    include_closed = request.GET.get("closed") == "1"
    nodes = selectors.tree(request.user, include_closed=include_closed)
    counts = dict(
        selectors.visible_organizations(request.user)
        .filter(pk__in=[n.pk for n in nodes], kind__in=["branch", "group"])
        .annotate(
            n=Count("people", filter=Q(people__status="active"), distinct=True)
            + Count("group_people", filter=Q(group_people__status="active"), distinct=True)
        )
        .values_list("pk", "n")
    )
    for n in nodes:
        n.people_count = counts.get(n.pk)
    return render(
        request, "organizations/tree.html", {"nav": "orgs", "nodes": nodes, "include_closed": include_closed}
    )


@requires("org.view")
def detail(request, pk):
    org = _get(request, pk)
    scope = scope_of(request.user)
    can_manage = org.is_active and scope.allows_org("org.manage", org)
    ctx = {
        "nav": "orgs",
        "org": org,
        "ancestors": selectors.ancestors_of(org),
        "children": org.children.order_by("status", "name"),
        "units": org.units.filter(is_active=True).select_related("parent"),
        "events": org.events.select_related("actor")[:50],
        "can_manage": can_manage,
        "merged_into": org.merged_into,
    }
    if can_manage:
        manageable = selectors.visible_organizations(request.user, action="org.manage", include_closed=False)
        ctx["child_kinds"] = [(k, label) for k, label in _kind_choices() if org.kind in ALLOWED_PARENTS[k]]
        ctx["parent_options"] = [
            o
            for o in manageable.exclude(path__startswith=org.path).order_by("path")
            if o.kind in ALLOWED_PARENTS[org.kind] and o.pk != org.parent_id
        ]
        ctx["merge_options"] = manageable.filter(kind=org.kind).exclude(pk=org.pk).order_by("path")
    return render(request, "organizations/detail.html", ctx)


def _kind_choices():
    from vanguard.organizations.models import OrgKind

    return OrgKind.choices


def _form_errors(request, form):
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


def _managed(request, pk, label: str):
    """An organisation named in a form, which the user must be able to manage."""
    try:
        return selectors.get_organization(request.user, pk, action="org.manage")
    except NotFoundOrForbidden:
        raise DomainError(f"{label}：不存在或超出您的管理范围", field=label) from None


def _act(request, pk, form_class, act):
    """The shape of every management action: parse the form, call one service through
    `act(org, cleaned_data)` → (organisation to show next, success message), and show
    each refusal as a message on the organisation's page."""
    org = _get(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    try:
        shown, message = act(org, form.cleaned_data)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("organizations:detail", pk=org.pk)
    messages.success(request, message)
    return redirect("organizations:detail", pk=shown.pk)


@require_POST
@requires("org.manage")
def create_child(request, pk):
    def act(parent, c):
        child = services.create_organization(
            name=c["name"],
            kind=c["kind"],
            parent=parent,
            acting_user=request.user,
            established_on=c["established_on"],
        )
        return child, f"已建立“{child.name}”"

    return _act(request, pk, forms.CreateChildForm, act)


@require_POST
@requires("org.manage")
def rename(request, pk):
    def act(org, c):
        services.rename_organization(organization=org, name=c["name"], on=c["on"], acting_user=request.user)
        return org, "已更名"

    return _act(request, pk, forms.RenameForm, act)


@require_POST
@requires("org.manage")
def move(request, pk):
    def act(org, c):
        new_parent = _managed(request, c["new_parent"], "新的上级组织")
        services.move_organization(organization=org, new_parent=new_parent, acting_user=request.user)
        return org, f"已改隶“{new_parent.name}”"

    return _act(request, pk, forms.MoveForm, act)


@require_POST
@requires("org.manage")
def merge(request, pk):
    def act(org, c):
        target = _managed(request, c["target"], "并入组织")
        services.merge_organization(source=org, target=target, on=c["on"], acting_user=request.user)
        return org, f"已并入“{target.name}”"

    return _act(request, pk, forms.MergeForm, act)


@require_POST
@requires("org.manage")
def dissolve(request, pk):
    def act(org, c):
        services.dissolve_organization(organization=org, note=c["note"], on=c["on"], acting_user=request.user)
        return org, "已撤销；其人员和记录仍可查询"

    return _act(request, pk, forms.DissolveForm, act)


@require_POST
@requires("org.manage")
def add_unit(request, pk):
    def act(org, c):
        parent = None
        if c["kind"] == "crew" and org.kind == "group" and org.parent_id:
            parent = org.parent.units.filter(kind="work_district", is_active=True).first()
        services.create_unit(
            name=c["name"], kind=c["kind"], organization=org, parent=parent, acting_user=request.user
        )
        return org, "已添加"

    return _act(request, pk, forms.UnitForm, act)
