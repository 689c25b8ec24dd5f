"""Register pages: the list and search, the member card, edits, transfers, archiving,
unmasking and the Excel export. Thin: parse, call one service or selector, render."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations.models import Organization, ProductionUnit
from vanguard.organizations.selectors import branches as visible_branches
from vanguard.organizations.selectors import visible_organizations
from vanguard.people import rules, selectors, services
from vanguard.people.forms import ArchiveForm, PersonForm, TransferForm
from vanguard.people.models import PoliticalStatus
from vanguard.sheets.writer import xlsx_response


def _get(request, pk, action="person.view"):
    try:
        return selectors.get_person(request.user, pk, action=action)
    except NotFoundOrForbidden:
        raise Http404("人员不存在或超出您的查看范围") from None


@requires("person.view")
def person_list(request):
    scope = scope_of(request.user)
    if not scope.grants:  # a plain member sees their own card
        return redirect("people:detail", pk=request.user.person_id)
    q = request.GET.get("q", "").strip()[:50]
    branch_id = request.GET.get("branch", "")
    branch = None
    if branch_id:
        branch = (
            visible_organizations(request.user).filter(pk=branch_id if branch_id.isdigit() else 0).first()
        )
        if branch is None:
            raise Http404("组织不存在或超出您的查看范围")
    status = request.GET.get("status", "")
    status = status if status in PoliticalStatus.values else ""
    archived = request.GET.get("archived") == "1"
    people = selectors.search_people(
        request.user,
        q,
        branch_id=branch.pk if branch else None,
        political_status=status,
        include_archived=archived,
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    ctx = {
        "nav": "people",
        "page": page,
        "q": q,
        "branch": branch,
        "status": status,
        "archived": archived,
        "statuses": PoliticalStatus.choices,
        "today": timezone.localdate(),
        "can_manage": scope.may("person.manage"),
        "can_export": scope.may("register.export"),
    }
    template = (
        "people/_rows.html" if request.htmx and request.htmx.target == "results" else "people/list.html"
    )
    return render(request, template, ctx)


@requires("person.view")
def detail(request, pk):
    person = _get(request, pk)
    scope = scope_of(request.user)
    return render(
        request,
        "people/card.html",
        {
            "nav": "people",
            "person": person,
            "events": selectors.history(person)[:30],
            "today": timezone.localdate(),
            "can_unmask": scope.allows_person("person.unmask", person),
            "can_manage": person.status == "active" and scope.allows_person("person.manage", person),
            "can_restore": person.status == "archived" and scope.allows_person("person.manage", person),
        },
    )


@require_POST
@requires("person.unmask")
def reveal(request, pk, field):
    person = _get(request, pk, action="person.unmask")
    try:
        value = services.reveal(person=person, field=field, acting_user=request.user)
    except DomainError as exc:
        return HttpResponse(exc.messages[0], status=403)
    return HttpResponse(format_html('<span class="masked" data-revealed="{}">{}</span>', field, value or "—"))


def _form_context(request, form, person=None):
    return {"nav": "people", "form": form, "person": person}


def _person_form(request, data=None, initial=None):
    branches = visible_branches(request.user, action="person.manage")
    units = ProductionUnit.objects.filter(
        organization__in=visible_organizations(request.user), is_active=True
    )
    return PersonForm(data, initial=initial, branches=branches.order_by("path"), units=units.order_by("name"))


@requires("person.manage")
def create(request):
    initial = {"political_status": "full", "employment": "on_job", "ethnicity": "汉族"}
    if request.GET.get("branch", "").isdigit():
        initial["branch"] = int(request.GET["branch"])
    form = _person_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(data=form.to_data(), acting_user=request.user)
        except DomainError as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, f"已为 {person.name} 建档")
            return redirect("people:detail", pk=person.pk)
    return render(
        request, "people/form.html", _form_context(request, form), status=422 if form.errors else 200
    )


@requires("person.manage")
def edit(request, pk):
    person = _get(request, pk, action="person.manage")
    if person.status != "active":
        messages.error(request, "人员：档案已归档，只读")
        return redirect("people:detail", pk=person.pk)
    form = _person_form(request, request.POST or None, initial=PersonForm.initial_from(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(person=person, data=form.to_data(), acting_user=request.user)
        except DomainError as exc:
            form.add_problems(exc.problems)
        else:
            messages.success(request, "已保存")
            return redirect("people:detail", pk=person.pk)
    return render(
        request, "people/form.html", _form_context(request, form, person), status=422 if form.errors else 200
    )


@requires("person.manage")
def transfer(request, pk):
    person = _get(request, pk, action="person.manage")
    targets = visible_branches(request.user, action="person.manage").order_by("path")
    form = TransferForm(request.POST or None, branches=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_person(
                person=person,
                to_branch=form.cleaned_data["to_branch"],
                to_group=form.cleaned_data["to_group"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            for p in exc.problems:
                form.add_error(None, p.message)
        else:
            messages.success(request, f"已将 {person.name} 转入“{form.cleaned_data['to_branch'].name}”")
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "people/transfer.html",
        {"nav": "people", "person": person, "form": form},
        status=422 if form.errors else 200,
    )


@requires("person.manage")
def archive(request, pk):
    person = _get(request, pk, action="person.manage")
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_person(
                person=person,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            for p in exc.problems:
                form.add_error(None, p.message)
        else:
            messages.success(request, f"{person.name} 的档案已归档，仍可查询")
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "people/archive.html",
        {"nav": "people", "person": person, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
@requires("person.manage")
def restore(request, pk):
    person = _get(request, pk, action="person.manage")
    try:
        services.restore_person(person=person, acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, "已恢复在册")
    return redirect("people:detail", pk=person.pk)


REGISTER_HEADERS = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "学历",
    "联系电话",
    "政治面貌",
    "申请入党日期",
    "入党日期",
    "转正日期",
    "所在党支部",
    "党小组",
    "党内职务",
    "区队",
    "班组",
    "岗位",
    "工种",
    "一线职工",
    "生产骨干",
    "在岗情况",
]


@requires("register.export")
def export(request):
    """The branch register (党员花名册) as .xlsx, in the columns the import reads back."""
    branch_id = request.GET.get("branch", "")
    try:
        branch = visible_organizations(request.user, action="register.export").get(
            pk=int(branch_id), kind="branch"
        )
    except (Organization.DoesNotExist, ValueError):
        raise Http404("党支部不存在或超出您的范围") from None
    people = list(
        selectors.search_people(request.user, branch_id=branch.pk, action="register.export").select_related(
            "work_district", "crew"
        )
    )
    scope = scope_of(request.user)
    full = scope.allows_org("person.unmask", branch)
    yes = {True: "是", False: "否"}

    def row(i, p):
        return [
            i,
            p.name,
            p.get_gender_display(),
            p.ethnicity,
            p.birth_date,
            p.id_number if full else rules.mask_id_number(p.id_number),
            p.get_education_display(),
            p.phone if full else rules.mask_phone(p.phone),
            p.get_political_status_display(),
            p.application_date,
            p.join_date,
            p.full_member_date,
            p.branch.name,
            p.group.name if p.group else "",
            p.party_post,
            p.work_district.name if p.work_district else "",
            p.crew.name if p.crew else "",
            p.job_post,
            p.job_type,
            yes[p.is_frontline],
            yes[p.is_backbone],
            p.get_employment_display(),
        ]

    services.record_export(
        acting_user=request.user,
        what=f"“{branch.name}”花名册" + ("" if full else "（号码已隐去）"),
        count=len(people),
    )
    return xlsx_response(
        f"{branch.name}花名册_{date.today():%Y%m%d}.xlsx",
        sheet_title="花名册",
        headers=REGISTER_HEADERS,
        rows=(row(i, p) for i, p in enumerate(people, start=1)),
        title=f"{branch.name} 党员花名册（{timezone.localdate():%Y年%m月%d日}）",
    )
