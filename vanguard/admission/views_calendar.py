"""The admission calendar: a branch's month (or the whole scope's) with what falls due
in its open dossiers. Thin: parse, call the selector, render."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from vanguard.accounts.policy import requires
from vanguard.admission import calendar, deadlines
from vanguard.organizations.selectors import visible_organizations


@requires("admission.view")
def month(request):
    today = timezone.localdate()
    branches = visible_organizations(request.user, action="admission.view").filter(kind="branch")
    branch = None
    raw = request.GET.get("branch", "")
    if raw:
        branch = branches.filter(pk=int(raw)).first() if raw.isdigit() else None
        if branch is None:
            raise Http404("党支部不存在或超出您的查看范围")
    first = calendar.parse_month(request.GET.get("month"), today=today)
    return render(
        request,
        "admission/calendar.html",
        {
            "nav": "admission",
            "branch": branch,
            "branches": visible_organizations(request.user, action="admission.view", include_closed=False)
            .filter(kind="branch")
            .order_by("path")
            .only("id", "name", "path"),
            "cal": calendar.month(
                request.user, first=first, today=today, branch_id=branch.pk if branch else None
            ),
            "today": today,
            "labels": deadlines.SEVERITY_LABELS,
        },
    )
