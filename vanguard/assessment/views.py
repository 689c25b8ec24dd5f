"""Monthly assessment pages (issue 4, points 1–3): a branch's month (entries, the add
form, close / publish / archive, the results with their amendments), the rules and a
new version, the penalty list (.xlsx). The branch and the month are query parameters
(?branch=…&month=2026-03); a branch outside the user's scope is a 404. Thin: parse,
call one service or selector, render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.assessment import batch, monthly, selectors, services
from vanguard.assessment.forms import EntryForm, RulesForm
from vanguard.assessment.models import CloseState
from vanguard.core import audit
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.sheets.writer import xlsx_response

PAGE_SIZE = 50


def _month(request) -> date:
    data = request.POST if request.method == "POST" else request.GET
    found = monthly.parse_month(data.get("month"))
    return found or monthly.month_of(timezone.localdate())


def _branch(request, action="assessment.view"):
    data = request.POST if request.method == "POST" else request.GET
    raw = data.get("branch")
    if raw is None:
        return None
    try:
        return selectors.branch(request.user, raw, action)
    except NotFoundOrForbidden:
        raise Http404 from None


def _page_url(branch, month) -> str:
    return f"{reverse('assessment:index')}?branch={branch.pk}&month={month:%Y-%m}"


@requires("assessment.view")
def index(request):
    branches = selectors.branches(request.user)
    branch = _branch(request)
    if branch is None:
        branch = branches.first()
    month = _month(request)
    context = {"nav": "assessment", "branches": branches, "branch": branch, "month": month}
    if branch is not None:
        context.update(_month_context(request, branch, month))
        context.update(_committee_context(request, branch, month))
    return render(request, "assessment/index.html", context)


def _month_context(request, branch, month, form=None, problems=()):
    scope = scope_of(request.user)
    rules = services.rules_in_force(branch=branch, month=month)
    close = selectors.month_close(branch, month)
    may_record = scope.may("assessment.record") and (close is None or close.state == CloseState.DRAFT)
    people = list(selectors.recordable_people(request.user, branch)) if may_record else []
    if may_record and form is None:
        form = EntryForm(people=people, items=rules.items.all(), initial={"on": timezone.localdate()})
    results = list(selectors.results(request.user, close)) if close else []
    for r in results:
        r.effective = selectors.effective(r)
    return {
        "rules": rules,
        "close": close,
        "entries": Paginator(selectors.entries(request.user, branch=branch, month=month), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "form": form if may_record else None,
        "problems": problems,
        "results": results,
        "may_close": scope.allows_org("assessment.close", branch),
        "may_amend": selectors.may_amend(request.user, branch),
        "prev_month": (month.replace(day=1) - timezone.timedelta(days=1)).replace(day=1),
        "next_month": (month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1),
    }


@require_POST
@requires("assessment.record")
def add_entry(request):
    branch = _branch(request, "assessment.record")
    if branch is None:
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    month = _month(request)
    rules = services.rules_in_force(branch=branch, month=month)
    people = selectors.recordable_people(request.user, branch)
    form = EntryForm(request.POST, request.FILES, people=people, items=rules.items.all())
    problems = []
    if form.is_valid():
        c = form.cleaned_data
        try:
            services.record_entry(
                person=form.people[c["person"]],
                item=form.items[c["item"]],
                on=c["on"],
                points=c["points"],
                evidence=c["evidence"],
                attachment=c["file"],
                acting_user=request.user,
            )
        except DomainError as exc:
            problems = exc.problems
        else:
            messages.success(request, "已记录")
            return redirect(_page_url(branch, monthly.month_of(c["on"])))
    context = {
        "nav": "assessment",
        "branches": selectors.branches(request.user),
        "branch": branch,
        "month": month,
    }
    context.update(_month_context(request, branch, month, form=form, problems=problems))
    return render(request, "assessment/index.html", context, status=422)


@requires("assessment.view")
def evidence(request, entry_id: int):
    """An entry's photo or file, for whoever may see the entry on the month page (never
    a public /media/ URL). Photos and PDFs open in the browser, Office files download."""
    try:
        entry = selectors.entry_with_attachment(request.user, entry_id)
        handle = entry.attachment.open("rb")
    except (NotFoundOrForbidden, OSError):
        raise Http404 from None
    kind = entry.attachment_kind
    inline = kind is not None and (kind.is_image or kind.code == "pdf")
    response = FileResponse(
        handle,
        content_type=entry.attachment_type or "application/octet-stream",
        as_attachment=not inline,
        filename=entry.attachment_name or None,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The file under a given entry never changes (append-only), so the browser may keep it.
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _state_change(request, do):
    branch = _branch(request, "assessment.close")
    if branch is None:
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    month = _month(request)
    try:
        do(branch, month)
    except DomainError as exc:
        for p in exc.problems:
            messages.error(request, p.message)
    return redirect(_page_url(branch, month))


@require_POST
@requires("assessment.close")
def close(request):
    def do(branch, month):
        services.request_close(branch=branch, month=month, acting_user=request.user)
        messages.success(request, f"{branch.name} {month:%Y-%m} 结算已提交")

    return _state_change(request, do)


def _close_of(branch, month):
    found = selectors.month_close(branch, month)
    if found is None:
        raise DomainError("结算：本月尚未结算", field="结算", code="state")
    return found


@require_POST
@requires("assessment.close")
def publish(request):
    def do(branch, month):
        services.publish(close=_close_of(branch, month), acting_user=request.user)
        messages.success(request, "已通报，异议期开始")

    return _state_change(request, do)


@require_POST
@requires("assessment.close")
def archive(request):
    def do(branch, month):
        services.archive(close=_close_of(branch, month), acting_user=request.user)
        messages.success(request, "已归档")

    return _state_change(request, do)


@require_POST
@requires("assessment.close")
def amend(request):
    try:
        result = selectors.result(request.user, request.POST.get("result"))
    except NotFoundOrForbidden:
        raise Http404 from None
    try:
        score = Decimal(request.POST.get("score", ""))
    except InvalidOperation:
        messages.error(request, "得分：应为数字")
    else:
        try:
            services.amend(
                result=result, score=score, reason=request.POST.get("reason", ""), acting_user=request.user
            )
            messages.success(request, f"已更正 {result.person.name} 的得分")
        except DomainError as exc:
            for p in exc.problems:
                messages.error(request, p.message)
    return redirect(_page_url(result.close.branch, result.month))


@requires("assessment.view")
def penalties_export(request):
    branch = _branch(request)
    if branch is None:
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    month = _month(request)
    close = selectors.month_close(branch, month)
    rows = []
    if close is not None:
        for r in selectors.results(request.user, close):
            score, qualified, penalty = selectors.effective(r)
            if not qualified:
                rows.append([r.person.name, r.group.name if r.group else "", str(score), float(penalty)])
    title = f"{branch.name} {month:%Y-%m} 月度考评不合格处罚名单"
    audit.record(
        actor=request.user,
        action="export",
        obj=branch,
        summary=f"导出{title}（{len(rows)} 人）",
        changes={"month": f"{month:%Y-%m}", "count": len(rows)},
    )
    return xlsx_response(
        f"{branch.name}-{month:%Y-%m}-考评处罚.xlsx",
        sheet_title="处罚名单",
        title=title,
        headers=["姓名", "党小组", "得分", "处罚金额（元）"],
        rows=rows,
    )


def _rules_org(request, action="assessment.view"):
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    scope = scope_of(request.user)
    from vanguard.organizations.models import Organization

    if raw is None:
        branch = selectors.branches(request.user).first()
        return branch
    try:
        org = Organization.objects.get(pk=int(raw))
    except (Organization.DoesNotExist, ValueError):
        raise Http404 from None
    if not (scope.allows_org(action, org) or (action == "assessment.view" and scope.is_enterprise)):
        raise Http404
    return org


@requires("assessment.view")
def rules(request):
    org = _rules_org(request)
    month = _month(request)
    context = {"nav": "assessment", "org": org, "month": month}
    if org is not None:
        from vanguard.organizations.models import Organization

        chain = list(Organization.objects.filter(pk__in=[*org.ancestor_ids, org.pk]).order_by("path"))
        context.update(
            chain=[(o, list(selectors.rules_versions(o))) for o in chain],
            may_set=[o for o in chain if selectors.may_set_rules(request.user, o)],
            in_force=services.rules_in_force(branch=org, month=month) if org.kind == "branch" else None,
            form=RulesForm(initial=_initial(org)),
        )
    return render(request, "assessment/rules.html", context)


def _initial(org):
    today = timezone.localdate()
    base = selectors.rules_in_force(branch=org, month=today)
    initial = {"effective_from": f"{today:%Y-%m}"}
    if base is not None:
        initial.update(
            base=base.base,
            floor=base.floor,
            cap=base.cap,
            pass_mark=base.pass_mark,
            penalty=base.penalty,
            leader_group_weight=base.leader_group_weight,
        )
        initial["items"] = "\n".join(
            f"{i.name}, {i.points}, {i.monthly_limit or ''}" for i in base.items.all() if i.source == "manual"
        )
    return initial


@require_POST
@requires("assessment.rules")
def rules_new(request):
    org = _rules_org(request, "assessment.rules")
    if org is None:
        return HttpResponseBadRequest("组织：缺少参数".encode())
    form = RulesForm(request.POST)
    if form.is_valid():
        c = form.cleaned_data
        effective = monthly.parse_month(c["effective_from"])
        try:
            if effective is None:
                raise DomainError("起用月份：应为 YYYY-MM", field="起用月份")
            services.new_rules_version(
                organization=org,
                effective_from=effective,
                base=c["base"],
                floor=c["floor"],
                cap=c["cap"],
                pass_mark=c["pass_mark"],
                penalty=c["penalty"],
                items=c["items"],
                leader_group_weight=c["leader_group_weight"] or 0,
                note=c["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            for p in exc.problems:
                messages.error(request, p.message)
        else:
            messages.success(request, f"{org.name} 的考评办法新版本已制定")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errors:
                messages.error(request, f"{label}：{e}")
    return redirect(f"{reverse('assessment:rules')}?org={org.pk}")


# --- the year (issue 4 point 5) ----------------------------------------------------------------


def _year(request) -> int:
    data = request.POST if request.method == "POST" else request.GET
    try:
        found = int(data.get("year", ""))
    except ValueError:
        found = 0
    return found if 2000 <= found <= 2100 else timezone.localdate().year


def _year_url(branch, year) -> str:
    return f"{reverse('assessment:year')}?branch={branch.pk}&year={year}"


@requires("assessment.view")
def year(request):
    branches = selectors.branches(request.user)
    branch = _branch(request) or branches.first()
    the_year = _year(request)
    context = {"nav": "assessment", "branches": branches, "branch": branch, "year": the_year}
    if branch is not None:
        months, listed = selectors.year_shortlist(branch, the_year)
        context.update(
            table=selectors.year_table(request.user, branch, the_year),
            month_numbers=range(1, 13),
            archived=months,
            shortlist=listed,
            confirmations=list(selectors.confirmations(branch, the_year)),
            may_confirm=scope_of(request.user).allows_org("assessment.close", branch),
        )
    return render(request, "assessment/year.html", context)


@require_POST
@requires("assessment.close")
def year_confirm(request):
    branch = _branch(request, "assessment.close")
    if branch is None:
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    the_year = _year(request)
    try:
        services.confirm_shortlist(
            branch=branch, year=the_year, note=request.POST.get("note", ""), acting_user=request.user
        )
    except DomainError as exc:
        for p in exc.problems:
            messages.error(request, p.message)
    else:
        messages.success(request, f"已确认 {the_year} 年度优秀党员推荐名单")
    return redirect(_year_url(branch, the_year))


@requires("assessment.view")
def year_export(request):
    branch = _branch(request)
    if branch is None:
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    the_year = _year(request)
    rows = []
    for person, months in selectors.year_table(request.user, branch, the_year):
        cells = []
        for r in months:
            if r is None:
                cells.append("")
            else:
                score, qualified, _ = r.effective
                cells.append(f"{score}" if qualified else f"{score}（不合格）")
        rows.append([person.name, *cells])
    title = f"{branch.name} {the_year} 年党员月度考评汇总"
    audit.record(
        actor=request.user,
        action="export",
        obj=branch,
        summary=f"导出{title}（{len(rows)} 人）",
        changes={"year": the_year, "count": len(rows)},
    )
    return xlsx_response(
        f"{branch.name}-{the_year}-年度考评.xlsx",
        sheet_title="年度考评",
        title=title,
        headers=["姓名", *[f"{m} 月" for m in range(1, 13)]],
        rows=rows,
    )


# --- a whole committee's month at once (issue 4 point 3, "Batch work") ------------------------


def _committee_context(request, branch, month):
    """The 整体结算 form for a committee-level user: the committees and general branches
    they may close, the one above the shown branch selected, and its latest job."""
    committees = list(batch.closable_organizations(request.user))
    above = [o for o in committees if branch.path.startswith(o.path)]
    committee = above[-1] if above else (committees[0] if committees else None)
    return {
        "committees": committees,
        "committee": committee,
        "committee_job": batch.latest_job(committee, month) if committee else None,
    }


@require_POST
@requires("assessment.close")
def committee_close(request):
    try:
        org = batch.organization(request.user, request.POST.get("org"))
    except NotFoundOrForbidden:
        raise Http404 from None
    month = _month(request)
    try:
        job = batch.request_committee_close(organization=org, month=month, acting_user=request.user)
    except DomainError as exc:
        for p in exc.problems:
            messages.error(request, p.message)
        return redirect(f"{reverse('assessment:index')}?month={month:%Y-%m}")
    messages.success(request, f"{org.name} {month:%Y-%m} 整体结算已提交")
    return redirect("assessment:batch_job", job_id=job.pk)


@requires("assessment.close")
def batch_job(request, job_id):
    try:
        job, org = batch.job(request.user, job_id)
    except NotFoundOrForbidden:
        raise Http404 from None
    month = monthly.parse_month(job.params.get("month"))
    index = reverse("assessment:index")
    latest = batch.latest_job(org, month)
    newer = latest if latest is not None and latest.pk > job.pk else None
    context = {
        "nav": "assessment",
        "job": job,
        "org": org,
        "month": month,
        "rows": [{**r, "url": f"{index}?branch={r['id']}&month={month:%Y-%m}"} for r in job.items],
        "poll_url": request.path,
        "done_label": "已结算",
        "item_noun": "党支部",
        "retry": {
            "url": reverse("assessment:committee_close"),
            "fields": {"org": org.pk, "month": f"{month:%Y-%m}"},
        },
        "newer": newer,
        "newer_url": reverse("assessment:batch_job", args=[newer.pk]) if newer else "",
    }
    template = "core/_batch_job.html" if request.htmx else "assessment/batch_job.html"
    return render(request, template, context)
