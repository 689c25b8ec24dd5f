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


def _run(request, org, fn, success: str):
    try:
        fn()
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, success)
    return redirect("organizations:detail", pk=org.pk)


def _form_errors(request, form):
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


@require_POST
@requires("org.manage")
def create_child(request, pk):
    parent = _get(request, pk)
    form = forms.CreateChildForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=parent.pk)
    created = {}

    def go():
        created["org"] = services.create_organization(
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            parent=parent,
            acting_user=request.user,
            established_on=form.cleaned_data["established_on"],
        )

    try:
        go()
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("organizations:detail", pk=parent.pk)
    messages.success(request, f"已建立“{created['org'].name}”")
    return redirect("organizations:detail", pk=created["org"].pk)


@require_POST
@requires("org.manage")
def rename(request, pk):
    org = _get(request, pk)
    form = forms.RenameForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    return _run(
        request,
        org,
        lambda: services.rename_organization(
            organization=org,
            name=form.cleaned_data["name"],
            on=form.cleaned_data["on"],
            acting_user=request.user,
        ),
        "已更名",
    )


@require_POST
@requires("org.manage")
def move(request, pk):
    org = _get(request, pk)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    try:
        new_parent = selectors.get_organization(
            request.user, form.cleaned_data["new_parent"], action="org.manage"
        )
    except NotFoundOrForbidden:
        messages.error(request, "新的上级组织：不存在或超出您的管理范围")
        return redirect("organizations:detail", pk=org.pk)
    return _run(
        request,
        org,
        lambda: services.move_organization(organization=org, new_parent=new_parent, acting_user=request.user),
        f"已改隶“{new_parent.name}”",
    )


@require_POST
@requires("org.manage")
def merge(request, pk):
    org = _get(request, pk)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    try:
        target = selectors.get_organization(request.user, form.cleaned_data["target"], action="org.manage")
    except NotFoundOrForbidden:
        messages.error(request, "并入组织：不存在或超出您的管理范围")
        return redirect("organizations:detail", pk=org.pk)
    return _run(
        request,
        org,
        lambda: services.merge_organization(
            source=org, target=target, on=form.cleaned_data["on"], acting_user=request.user
        ),
        f"已并入“{target.name}”",
    )


@require_POST
@requires("org.manage")
def dissolve(request, pk):
    org = _get(request, pk)
    form = forms.DissolveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    return _run(
        request,
        org,
        lambda: services.dissolve_organization(
            organization=org,
            note=form.cleaned_data["note"],
            on=form.cleaned_data["on"],
            acting_user=request.user,
        ),
        "已撤销；其人员和记录仍可查询",
    )


@require_POST
@requires("org.manage")
def add_unit(request, pk):
    org = _get(request, pk)
    form = forms.UnitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("organizations:detail", pk=org.pk)
    parent = None
    if form.cleaned_data["kind"] == "crew" and org.kind == "group" and org.parent_id:
        parent = org.parent.units.filter(kind="work_district", is_active=True).first()
    return _run(
        request,
        org,
        lambda: services.create_unit(
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            organization=org,
            parent=parent,
            acting_user=request.user,
        ),
        "已添加",
    )
