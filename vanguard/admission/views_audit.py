"""违规发展党员排查 pages: start an audit of one's scope, watch it run, browse its
findings (filtered by branch, 五查 and code, paginated) and export them to .xlsx.
Thin: parse, call `audit`, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires
from vanguard.admission import audit
from vanguard.admission.models import AuditRun
from vanguard.core import audit as core_audit
from vanguard.core.errors import DomainError
from vanguard.organizations.selectors import visible_organizations
from vanguard.sheets.writer import xlsx_response

PAGE_SIZE = 50


def _run(request) -> AuditRun | None:
    """The run named by ?run= (the user's own), else the user's latest; 404 otherwise."""
    runs = audit.runs_of(request.user)
    value = request.GET.get("run", "").strip()
    if not value:
        return runs.first()
    if not value.isdigit() or len(value) > 12:
        raise Http404("排查批次：编号应为数字")
    run = runs.filter(pk=int(value)).first()
    if run is None:
        raise Http404("排查批次不存在，或不是您发起的")
    return run


def _filters(request) -> tuple[audit.Filters, list[str]]:
    """The filters from the query string; a bad value is left out and explained."""
    errors: list[str] = []
    branch = check = code = None
    value = request.GET.get("branch", "").strip()
    if value:
        if value.isdigit() and len(value) <= 12:
            branch = (
                visible_organizations(request.user).filter(pk=int(value)).only("id", "name", "path").first()
            )
        if branch is None:
            errors.append(f"党组织：“{value[:20]}”不存在或超出您的查看范围，已忽略")
    value = request.GET.get("check", "").strip()
    if value:
        if value in {"1", "2", "3", "4", "5"}:
            check = int(value)
        else:
            errors.append(f"五查：应为 1 至 5，“{value[:20]}”已忽略")
    value = request.GET.get("code", "").strip()
    if value:
        if value in audit.CODES:
            code = value
        else:
            errors.append(f"问题代码：没有“{value[:30]}”这一代码，已忽略")
    return audit.Filters(branch=branch, check=check, code=code), errors


@requires("admission.view")
def audit_page(request):
    run = _run(request)
    filters, errors = _filters(request)
    page = None
    if run is not None and run.status == AuditRun.Status.DONE:
        qs = audit.results(run, request.user, filters).select_related(None)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = (run.counts if run else {}) or {}
    context = {
        "nav": "admission",
        "run": run,
        "runs": list(audit.runs_of(request.user)[:10]),
        "page": page,
        "filters": filters,
        "errors": errors,
        "check_counts": [
            (n, name, counts.get("checks", {}).get(str(n), 0)) for n, name in audit.CHECK_NAMES.items()
        ],
        "code_counts": [(code, audit.code_label(code), n) for code, n in counts.get("codes", {}).items()],
        "codes": [(code, audit.code_label(code)) for code in audit.CODES],
        "check_names": audit.CHECK_NAMES,
        "running": run is not None and run.status in (AuditRun.Status.QUEUED, AuditRun.Status.RUNNING),
    }
    return render(request, "admission/audit.html", context, status=400 if errors else 200)


@require_POST
@requires("admission.view")
def audit_start(request):
    try:
        run = audit.start_run(acting_user=request.user)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("admission:audit")
    return redirect(f"{_url('admission:audit')}?run={run.pk}")


def _url(name):
    from django.urls import reverse

    return reverse(name)


@requires("admission.view")
def audit_export(request):
    run = _run(request)
    if run is None or run.status != AuditRun.Status.DONE:
        raise Http404("没有已完成的排查可导出")
    filters, errors = _filters(request)
    if errors:
        for m in errors:
            messages.error(request, m)
        return redirect(f"{_url('admission:audit')}?run={run.pk}")
    qs = audit.results(run, request.user, filters)
    written = 0

    def rows():
        nonlocal written
        for row in audit.export_rows(qs):
            written += 1
            yield row

    response = xlsx_response(
        f"违规发展党员排查-{run.on:%Y%m%d}-{run.pk}.xlsx",
        sheet_title="排查结果",
        title=f"违规发展党员排查（{run.scope_label}，{run.on:%Y-%m-%d}）",
        headers=audit.EXPORT_HEADERS,
        rows=rows(),
        widths=[10, 10, 24, 12, 14, 18, 16, 80],
    )
    core_audit.record(
        actor=request.user,
        action="export",
        obj=run,
        summary=f"导出违规发展党员排查结果 {written} 条（排查 {run.pk}）",
        changes={
            "run": run.pk,
            "branch": filters.branch.pk if filters.branch else None,
            "check": filters.check,
            "code": filters.code,
            "rows": written,
            "at": timezone.now().isoformat(timespec="seconds"),
        },
    )
    return response
