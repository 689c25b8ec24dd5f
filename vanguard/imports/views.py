"""Upload → preview (a dry run) → confirm (the real run), for both imports.

The uploaded file waits server-side under MEDIA_ROOT/imports/<random token>.xlsx; the
session holds only the token, the kind and the original name. Confirming re-runs the
whole import in one transaction, so a file or data that changed in between still gives
all or nothing."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import requires, scope_of
from vanguard.imports import services
from vanguard.imports.templates_xlsx import KINDS, template_response

SESSION_KEY = "vanguard_imports"
ACTIONS = {"orgs": "import.orgs", "roster": "import.roster"}
RUNS = {"orgs": services.import_orgs, "roster": services.import_roster}


def _kind(request, kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    if not scope_of(request.user).may(ACTIONS[kind]):
        raise PermissionDenied("您的职务无权进行此导入")
    return kind


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _forget(request, token: str) -> None:
    pending = _pending(request)
    entry = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if entry:
        (_folder() / f"{token}.xlsx").unlink(missing_ok=True)


@requires("import.roster")
def index(request):
    scope = scope_of(request.user)
    return render(
        request,
        "imports/index.html",
        {"nav": "imports", "may_orgs": scope.may("import.orgs"), "may_roster": scope.may("import.roster")},
    )


@requires("import.roster")
def template(request, kind: str):
    return template_response(_kind(request, kind))


@requires("import.roster")
def upload(request, kind: str):
    kind = _kind(request, kind)
    context = {"nav": "imports", "kind": kind, "kind_label": KINDS[kind]}
    if request.method != "POST":
        return render(request, "imports/upload.html", context)
    f = request.FILES.get("file")
    problem = ""
    if f is None:
        problem = "文件：请选择要导入的 .xlsx 文件"
    elif f.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        problem = f"文件：不能超过 {settings.IMPORT_MAX_UPLOAD_BYTES // 2**20} MB"
    if problem:
        return render(request, "imports/upload.html", {**context, "problem": problem}, status=400)
    token = secrets.token_urlsafe(24)
    path = _folder() / f"{token}.xlsx"
    with open(path, "wb") as out:
        for part in f.chunks():
            out.write(part)
    try:
        report = RUNS[kind](str(path), dry_run=True, acting_user=request.user)
    except services.UnreadableFile as exc:
        path.unlink(missing_ok=True)
        return render(request, "imports/upload.html", {**context, "problem": f"文件：{exc}"}, status=400)
    if report.errors:
        path.unlink(missing_ok=True)
    else:
        pending = _pending(request)
        pending[token] = {"kind": kind, "name": f.name[:200]}
        request.session[SESSION_KEY] = pending
    return render(
        request,
        "imports/preview.html",
        {**context, "report": report, "token": token if not report.errors else "", "filename": f.name},
    )


@require_POST
@requires("import.roster")
def confirm(request, kind: str, token: str):
    kind = _kind(request, kind)
    entry = _pending(request).get(token)
    if not entry or entry["kind"] != kind:
        return render(
            request,
            "imports/upload.html",
            {
                "nav": "imports",
                "kind": kind,
                "kind_label": KINDS[kind],
                "problem": "文件：导入已完成、已取消或已过期，请重新上传",
            },
            status=400,
        )
    path = _folder() / f"{token}.xlsx"
    try:
        report = RUNS[kind](str(path), dry_run=False, acting_user=request.user)
    except services.UnreadableFile as exc:
        _forget(request, token)
        return render(
            request,
            "imports/upload.html",
            {"nav": "imports", "kind": kind, "kind_label": KINDS[kind], "problem": f"文件：{exc}"},
            status=400,
        )
    _forget(request, token)
    return render(
        request,
        "imports/done.html",
        {
            "nav": "imports",
            "kind": kind,
            "kind_label": KINDS[kind],
            "report": report,
            "filename": entry["name"],
        },
    )


@require_POST
@requires("import.roster")
def cancel(request, kind: str, token: str):
    _kind(request, kind)
    _forget(request, token)
    return redirect("imports:index")
