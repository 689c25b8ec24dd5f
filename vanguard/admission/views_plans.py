"""四步 pages (seed 001) and 双培 (seed 003): plan vs actual and the structure figure per
committee and branch, setting a branch's plan, the 双培 lists, the Excel export, and the
yearly activist training class. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.admission import plans, structure
from vanguard.core import audit
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations.models import OrgKind
from vanguard.sheets.writer import xlsx_response

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAGE_SIZE = 50


def _chinese_errors(form: forms.Form) -> None:
    for f in form.fields.values():
        f.error_messages.update(
            {
                "required": "不能为空",
                "invalid": "应为 YYYY-MM-DD 格式的日期" if isinstance(f, forms.DateField) else "应为整数",
                "invalid_choice": "请从列表中选择",
                "min_value": "不能小于 %(limit_value)s",
                "max_value": "不能大于 %(limit_value)s",
                "max_length": "不能超过 %(limit_value)d 个字",
            }
        )


def _count(label, required=True):
    return forms.IntegerField(label=label, min_value=0, max_value=10000, required=required, initial=0)


class PlanForm(forms.Form):
    planned = _count("计划发展人数")
    from_team_leaders = _count("其中：一线班组长")
    from_technicians = _count("其中：专业技术人员")
    from_frontline = _count("其中：其他一线职工")
    from_others = _count("其中：其他人员")
    note = forms.CharField(label="说明", max_length=300, required=False)
    reason = forms.CharField(label="调整原因（调整已有计划时必填）", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _chinese_errors(self)

    def clean(self):
        c = super().clean()
        names = plans.SOURCE_FIELDS
        if all(isinstance(c.get(n), int) for n in (*names, "planned")):
            total = sum(c[n] for n in names)
            if total != c["planned"]:
                self.add_error(
                    "from_others", f"各来源人数之和（{total}）应等于计划发展人数（{c['planned']}）"
                )
        return c


class ClassForm(forms.Form):
    committee = forms.ChoiceField(label="举办党委")
    title = forms.CharField(label="培训班名称", max_length=100)
    starts_on = forms.DateField(label="开班日期", widget=DATE)
    ends_on = forms.DateField(label="结业日期", widget=DATE)
    days = forms.IntegerField(label="培训天数", min_value=0, max_value=365)
    hours = forms.IntegerField(label="培训学时", min_value=0, max_value=2000)
    place = forms.CharField(label="地点", max_length=100, required=False)

    def __init__(self, *args, committees, **kwargs):
        super().__init__(*args, **kwargs)
        self.committees = {str(c.pk): c for c in committees}
        self.fields["committee"].choices = [(str(c.pk), c.name) for c in committees]
        _chinese_errors(self)

    def clean(self):
        c = super().clean()
        if c.get("starts_on") and c.get("ends_on") and c["ends_on"] < c["starts_on"]:
            self.add_error("ends_on", "不能早于开班日期")
        return c


def _org(request, org_id, action="admission.view"):
    try:
        return plans.get_org(request.user, org_id, action=action)
    except NotFoundOrForbidden:
        raise Http404("组织不存在或超出您的范围") from None


def _year(request):
    year, problem = plans.parse_year(request.GET.get("year"), default=timezone.localdate().year)
    if problem:
        messages.error(request, problem)
    return year


# --- plans and structure ------------------------------------------------------------------


@requires("admission.view")
def plans_home(request):
    org = plans.home_org(request.user)
    if org is None:
        raise Http404("您的职务没有可查看的组织")
    return redirect("admission:plans", org_id=org.pk)


@requires("admission.view")
def plans_page(request, org_id):
    org = _org(request, org_id)
    year = _year(request)
    view = plans.overview(request.user, org, year=year)
    page = Paginator(view.branches, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    editable = year >= timezone.localdate().year and year <= timezone.localdate().year + 1
    for line in page:
        line.can_set = editable and scope.allows_org("admission.approve", line.branch)
    return render(
        request,
        "admission/plans.html",
        {
            "nav": "admission",
            "view": view,
            "org": org,
            "year": year,
            "page": page,
            "past": year < timezone.localdate().year,
            "target": structure.TARGET,
            "source_labels": [structure.SOURCE_LABELS[s] for s in structure.SOURCES],
        },
    )


@requires("admission.view")
def plans_dual(request, org_id):
    org = _org(request, org_id)
    year = _year(request)
    view = plans.overview(request.user, org, year=year)
    page = Paginator(view.dual, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/plans_dual.html",
        {"nav": "admission", "view": view, "org": org, "year": year, "page": page},
    )


EXPORTS = {
    "plans": "发展党员计划与完成情况",
    "structure": "新发展党员结构比例与双培",
}


@requires("admission.view")
def plans_export(request, org_id):
    org = _org(request, org_id)
    table = request.GET.get("table") or "plans"
    if table not in EXPORTS:
        return HttpResponseBadRequest("表格：应为 plans（计划与完成）或 structure（结构比例）".encode())
    year, problem = plans.parse_year(request.GET.get("year"), default=timezone.localdate().year)
    if problem:
        return HttpResponseBadRequest(problem.encode())
    view = plans.overview(request.user, org, year=year)
    lines = [("党支部", b.branch.name, b.committee.name if b.committee else "", b) for b in view.branches]
    lines += [("党委", c.committee.name, "", c) for c in view.committees]
    lines.append(("合计", view.org.name, "", view.total))
    if table == "plans":
        headers = ["层级", "组织", "所属党委", "计划人数", *[f"计划：{s}" for s in _sources()]]
        headers += ["实际发展", *[f"实际：{s}" for s in _sources()], "完成率", "积极分子", "发展对象"]
        rows = [_plan_row(*line) for line in lines]
    else:
        headers = ["层级", "组织", "所属党委", "新党员", "一线", "高知", "35岁以下", "符合人数", "比例"]
        headers += ["达到75%", "生产骨干培养成党员", "党员培养成生产骨干"]
        rows = [_structure_row(*line) for line in lines]
    title = f"{org.name} {year} 年{EXPORTS[table]}"
    audit.record(
        actor=request.user,
        action="export",
        obj=org,
        summary=f"导出{title}（{len(view.branches)} 个党支部）",
        changes={"table": table, "year": year, "count": len(rows)},
    )
    return xlsx_response(
        f"{org.name}-{year}-{EXPORTS[table]}.xlsx",
        sheet_title=EXPORTS[table],
        headers=headers,
        rows=rows,
        title=title,
    )


def _sources():
    return [structure.SOURCE_LABELS[s] for s in structure.SOURCES]


def _plan_row(level, name, committee, line):
    fig = line.figure
    if level == "党支部":
        plan = line.plan
        planned = plan.planned if plan else None
        planned_sources = [getattr(plan, f) if plan else None for f in plans.SOURCE_FIELDS]
    else:
        planned, planned_sources = line.planned, [None] * len(plans.SOURCE_FIELDS)
    rate = f"{fig.total * 100 // planned}%" if planned else ""
    return [
        level,
        name,
        committee,
        planned,
        *planned_sources,
        fig.total,
        *[fig.sources[s] for s in structure.SOURCES],
        rate,
        line.activists,
        line.candidates,
    ]


def _structure_row(level, name, committee, line):
    fig = line.figure
    meets = {True: "是", False: "否", None: ""}[fig.meets_target]
    return [
        level,
        name,
        committee,
        fig.total,
        fig.frontline,
        fig.highly_educated,
        fig.young,
        fig.qualifying,
        fig.percent,
        meets,
        fig.backbones,
        line.turned_backbone,
    ]


@requires("admission.approve")
def plan_set(request, org_id):
    branch = _org(request, org_id, action="admission.approve")
    if branch.kind != OrgKind.BRANCH:
        raise Http404("发展计划按党支部制定")
    year = _year(request)
    history = plans.plan_history(branch, year)
    current = history[0] if history else None
    today = timezone.localdate()
    closed = year < today.year or year > today.year + 1
    initial = {n: getattr(current, n) for n in plans.PLAN_FIELDS} if current else {}
    if current:
        initial["note"] = current.note
    form = PlanForm(request.POST or None, initial=initial)
    problems = []
    if request.method == "POST" and not closed and form.is_valid():
        c = form.cleaned_data
        try:
            plans.set_plan(
                branch=branch,
                year=year,
                data=plans.PlanInput(
                    **{n: c[n] for n in plans.PLAN_FIELDS}, note=c["note"], reason=c["reason"]
                ),
                acting_user=request.user,
            )
        except DomainError as exc:
            problems = exc.problems
        else:
            messages.success(request, f"已保存：{branch.name} {year} 年发展党员计划")
            return redirect(f"{_url_plans(branch.parent_id or branch.pk)}?year={year}")
    elif request.method == "POST" and closed:
        problems = [DomainError(f"年度：{year} 年的计划只读", field="年度").problems[0]]
    status = 422 if (form.errors or problems) else 200
    return render(
        request,
        "admission/plan_set.html",
        {
            "nav": "admission",
            "branch": branch,
            "year": year,
            "form": form,
            "problems": problems,
            "history": history,
            "closed": closed,
        },
        status=status,
    )


def _url_plans(org_id):
    from django.urls import reverse

    return reverse("admission:plans", kwargs={"org_id": org_id})


# --- training class ---------------------------------------------------------------------


def _class(request, class_id, action="admission.view"):
    try:
        return plans.get_class(request.user, class_id, action=action)
    except NotFoundOrForbidden:
        raise Http404("培训班不存在或超出您的范围") from None


@requires("admission.view")
def classes(request):
    qs = plans.visible_classes(request.user).select_related("committee").order_by("-year", "-starts_on", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "admission/training_list.html",
        {"nav": "admission", "page": page, "can_create": scope_of(request.user).may("admission.approve")},
    )


@requires("admission.approve")
def class_new(request):
    committees = plans.committees_for_classes(request.user)
    year = timezone.localdate().year
    form = ClassForm(
        request.POST or None,
        committees=committees,
        initial={"title": f"{year} 年入党积极分子培训班", "days": 3, "hours": 24},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            created = plans.create_class(
                committee=form.committees[c["committee"]],
                data=plans.ClassInput(
                    title=c["title"],
                    starts_on=c["starts_on"],
                    ends_on=c["ends_on"],
                    days=c["days"],
                    hours=c["hours"],
                    place=c["place"],
                ),
                acting_user=request.user,
            )
        except DomainError as exc:
            problems = exc.problems
        else:
            messages.success(request, f"已登记：{created.title}")
            return redirect("admission:training_class", class_id=created.pk)
    status = 422 if (form.errors or problems) else 200
    return render(
        request,
        "admission/training_new.html",
        {"nav": "admission", "form": form, "problems": problems},
        status=status,
    )


@requires("admission.view")
def training_class(request, class_id):
    c = _class(request, class_id)
    can_manage = scope_of(request.user).allows_org("admission.approve", c.committee)
    people = plans.attendances(request.user, c)
    return render(
        request,
        "admission/training_class.html",
        {
            "nav": "admission",
            "c": c,
            "people": people,
            "can_manage": can_manage,
            "eligible": plans.eligible_dossiers(request.user, c) if can_manage and not c.closed_on else [],
            "ended": c.ends_on <= timezone.localdate(),
        },
    )


@require_POST
@requires("admission.approve")
def training_enrol(request, class_id):
    c = _class(request, class_id, action="admission.approve")
    raw = request.POST.getlist("dossier")
    if not all(v.isdigit() for v in raw):
        messages.error(request, "学员：请从列表中勾选")
        return redirect("admission:training_class", class_id=c.pk)
    try:
        n = plans.enrol(training_class=c, dossier_ids=[int(v) for v in raw], acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"已加入学员 {n} 人")
    return redirect("admission:training_class", class_id=c.pk)


YES_NO = {"": None, "yes": True, "no": False}


@require_POST
@requires("admission.approve")
def training_attendance(request, class_id):
    c = _class(request, class_id, action="admission.approve")
    marks, bad = {}, []
    for a in plans.attendances(request.user, c):
        present = request.POST.get(f"present_{a.pk}", "")
        passed = request.POST.get(f"passed_{a.pk}", "")
        if present not in YES_NO:
            bad.append(f"出勤（{a.person.name}）：请从列表中选择")
        if passed not in YES_NO:
            bad.append(f"结业考试（{a.person.name}）：请从列表中选择")
        if present in YES_NO and passed in YES_NO:
            marks[a.pk] = (YES_NO[present], YES_NO[passed])
    if bad:
        for m in bad:
            messages.error(request, m)
        return redirect("admission:training_class", class_id=c.pk)
    try:
        n = plans.set_attendance(training_class=c, marks=marks, acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, f"已登记出勤与考试 {n} 人")
    return redirect("admission:training_class", class_id=c.pk)


@require_POST
@requires("admission.approve")
def training_complete(request, class_id):
    c = _class(request, class_id, action="admission.approve")
    try:
        done = plans.complete_class(training_class=c, acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("admission:training_class", class_id=c.pk)
    if done.recorded:
        messages.success(request, f"已记入集中培训环节：{'、'.join(done.recorded)}")
    for name, reasons in done.refused:
        messages.error(request, f"{name} 未能记入集中培训：{'；'.join(reasons)}")
    if done.not_candidates:
        messages.info(
            request,
            f"尚未确定为发展对象，暂不记入：{'、'.join(done.not_candidates)}（确定为发展对象后可再次结业登记）",
        )
    if not (done.recorded or done.refused or done.not_candidates):
        messages.info(request, "没有需要记入的学员（须全程参加且未记入过）")
    return redirect("admission:training_class", class_id=c.pk)
