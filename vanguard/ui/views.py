from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from vanguard.accounts.policy import AUTHENTICATED, requires, scope_of
from vanguard.core.models import AuditEntry
from vanguard.ui import selectors


@requires(AUTHENTICATED)
def home(request):
    return render(
        request,
        "ui/home.html",
        {"nav": "home", **selectors.home_summary(request.user, today=timezone.localdate())},
    )


@requires("audit.view")
def audit_log(request):
    entries = selectors.visible_audit(request.user, action=request.GET.get("action", ""))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ui/audit.html",
        {
            "nav": "audit",
            "page": page,
            "scope": scope_of(request.user),
            "actions": AuditEntry.objects.none(),
        },
    )
