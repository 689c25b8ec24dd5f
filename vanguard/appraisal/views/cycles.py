"""Views of the appraisal: 评分 — the rubric, cycles, the scoring grid, results.

Managers' pages (`@requires("appraisal.…")`, a cycle outside the scope is a 404): the
rubric and its new version, the cycles and opening one, a cycle (progress or results,
closing with a progress bar, archiving), the organisation-score grid and the worker
forms of a member. A member's own pages (`@requires(AUTHENTICATED)`, then their own
person and branch): their cycles, their sheet (self and peers) and their result; a
cycle that is not theirs sends them back to their list, exactly as an unknown id does.
Cells save one at a time through `grid_cell` / `my_cell`, which answer JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import AUTHENTICATED, requires, scope_of
from vanguard.appraisal import cycles
from vanguard.appraisal import rubric as rubric_module
from vanguard.appraisal.models import CycleKind, CycleState, Evaluation, Source
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations.models import Organization
from vanguard.people.models import Person

PAGE_SIZE = 50
GRID_PAGE_SIZE = 40
NAV = "appraisal_scoring"


def _cycle(request, cycle_id, action="appraisal.view"):
    try:
        return cycles.cycle_for(request.user, cycle_id, action)
    except NotFoundOrForbidden:
        raise Http404 from None


def _root(request) -> Organization | None:
    return Organization.objects.filter(parent=None).order_by("path").first()


# --- the rubric ----------------------------------------------------------------------------


@requires("appraisal.view")
def rubric_page(request):
    root = _root(request)
    if root is None:
        raise Http404
    rubric_module.ensure_default_rubric(organization=root)
    versions = rubric_module.versions(organization=root)
    chosen = versions[0]
    raw = request.GET.get("version")
    if raw:
        chosen = next((v for v in versions if str(v.version) == raw), None)
        if chosen is None:
            raise Http404
    return render(
        request,
        "appraisal/rubric.html",
        {
            "nav": NAV,
            "view": rubric_module.read(chosen),
            "versions": versions,
            "latest": versions[0],
            "may_edit": scope_of(request.user).allows_org("appraisal.rubric", root),
        },
    )


@dataclass
class _Row:
    aspect: str = ""
    name: str = ""
    guidance: str = ""
    points: str = ""


BLANK_ROWS = 4


@requires("appraisal.rubric")
def rubric_new(request):
    """The organisation department's page for a new version: the rows of the version in
    force, editable, plus blank rows; saving makes a new version (never an edit)."""
    root = _root(request)
    if root is None or not scope_of(request.user).allows_org("appraisal.rubric", root):
        raise Http404
    current = rubric_module.read(rubric_module.rubric_in_force(organization=root))
    problems: list[str] = []
    title, note = current.rubric.title, ""
    if request.method == "POST":
        title, note = request.POST.get("title", ""), request.POST.get("note", "")
        rows = [
            _Row(*(v.strip() for v in values))
            for values in zip(
                request.POST.getlist("aspect"),
                request.POST.getlist("name"),
                request.POST.getlist("guidance"),
                request.POST.getlist("points"),
                strict=False,
            )
        ]
        filled = [r for r in rows if r.aspect or r.name or r.guidance or r.points]
        try:
            made = rubric_module.new_version(
                organization=root,
                items=[rubric_module.ItemInput(r.aspect, r.name, r.points, r.guidance) for r in filled],
                title=title,
                note=note,
                acting_user=request.user,
            )
        except DomainError as exc:
            problems = exc.messages
            rows = filled + [_Row() for _ in range(BLANK_ROWS)]
        else:
            messages.success(request, f"已制定{made}，此后发起的考核周期按新版本评分")
            return redirect(reverse("appraisal:rubric"))
    else:
        rows = [
            _Row(aspect.name, it.name, it.guidance, cycles._plain(it.max_points))
            for aspect, items in current.aspects
            for it in items
        ] + [_Row() for _ in range(BLANK_ROWS)]
    return render(
        request,
        "appraisal/rubric_new.html",
        {"nav": NAV, "current": current, "rows": rows, "problems": problems, "title": title, "note": note},
        status=422 if problems else 200,
    )


# --- cycles --------------------------------------------------------------------------------


def _manageable_orgs(user):
    return Organization.objects.filter(
        scope_of(user).orgs_q("appraisal.manage"), kind__in=cycles.CYCLE_ORG_KINDS, status="active"
    ).order_by("path")[:500]


def _open_form(request, data=None):
    today = timezone.localdate()
    data = data or {}
    return {
        "orgs": _manageable_orgs(request.user) if scope_of(request.user).may("appraisal.manage") else [],
        "kinds": CycleKind.choices,
        "values": {
            "organization": str(data.get("organization", "")),
            "kind": data.get("kind", CycleKind.YEARLY),
            "year": data.get("year", today.year),
            "quarter": str(data.get("quarter", (today.month - 1) // 3 + 1)),
            **{f: data.get(f, getattr_default(f)) for _, f, _ in cycles.WEIGHT_FIELDS},
        },
        "weight_fields": [(f, label) for _, f, label in cycles.WEIGHT_FIELDS],
    }


def getattr_default(field_name: str) -> int:
    from vanguard.appraisal.models import Cycle

    return Cycle._meta.get_field(field_name).default


def _cycle_list(request, form_data=None, problems=(), status=200):
    page = Paginator(cycles.visible_cycles(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    me = cycles.member_self(request.user)
    return render(
        request,
        "appraisal/cycle_list.html",
        {
            "nav": NAV,
            "page": page,
            "may_open": scope_of(request.user).may("appraisal.manage"),
            "form": _open_form(request, form_data),
            "problems": problems,
            "is_member": me is not None,
        },
        status=status,
    )


@requires("appraisal.view")
def cycle_list(request):
    return _cycle_list(request)


@require_POST
@requires("appraisal.manage")
def cycle_open(request):
    data = request.POST
    try:
        org = Organization.objects.filter(scope_of(request.user).orgs_q("appraisal.manage")).get(
            pk=int(data.get("organization", ""))
        )
    except (Organization.DoesNotExist, ValueError):
        return _cycle_list(request, data, ["组织：请选择您管理范围内的党支部或党委"], status=422)
    try:
        cycle = cycles.open_cycle(
            organization=org,
            kind=data.get("kind", ""),
            year=data.get("year", ""),
            quarter=data.get("quarter") or None,
            weights={s: data.get(f, "") for s, f, _ in cycles.WEIGHT_FIELDS},
            acting_user=request.user,
        )
    except DomainError as exc:
        return _cycle_list(request, data, exc.messages, status=422)
    messages.success(request, f"已发起{org.name}{cycle}，细则冻结为第 {cycle.rubric.version} 版")
    return redirect("appraisal:cycle", cycle_id=cycle.pk)


@requires("appraisal.view")
def cycle_detail(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    scope = scope_of(request.user)
    published = cycle.state != CycleState.OPEN
    if published:
        page = Paginator(cycles.results(request.user, cycle), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page)
    else:
        page = Paginator(cycles.viewable_members(request.user, cycle), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        counts = cycles.progress(cycle, [p.pk for p in page])
        rows = [(p, [(label, counts.get(p.pk, {}).get(s, 0)) for s, label in Source.choices]) for p in page]
    may_record = scope.may("appraisal.record") and not published
    me = cycles.member_self(request.user)
    return render(
        request,
        "appraisal/cycle.html",
        {
            "nav": NAV,
            "cycle": cycle,
            "page": page,
            "rows": rows,
            "published": published,
            "sources": Source.choices,
            "may_manage": cycles.may_manage(request.user, cycle),
            "may_record": may_record,
            "grid_branches": cycles.recordable_branches(request.user, cycle) if may_record else [],
            "job": cycles.close_job(cycle),
            "in_cycle": me is not None and cycles.member_cycles(me).filter(pk=cycle.pk).exists(),
        },
    )


@requires("appraisal.view")
def cycle_progress(request, cycle_id: int):
    """The close job's progress bar, polled by htmx while it runs."""
    cycle = _cycle(request, cycle_id)
    return render(request, "appraisal/cycle_progress.html", {"cycle": cycle, "job": cycles.close_job(cycle)})


def _state_change(request, cycle_id, do):
    cycle = _cycle(request, cycle_id, "appraisal.manage")
    try:
        do(cycle)
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("appraisal:cycle", cycle_id=cycle.pk)


@require_POST
@requires("appraisal.manage")
def cycle_close(request, cycle_id: int):
    def do(cycle):
        cycles.request_close(cycle=cycle, acting_user=request.user)
        messages.success(request, "已提交结算，正在后台计算各支部的结果")

    return _state_change(request, cycle_id, do)


@require_POST
@requires("appraisal.manage")
def cycle_archive(request, cycle_id: int):
    def do(cycle):
        cycles.archive(cycle=cycle, acting_user=request.user)
        messages.success(request, "已归档，结果不再改变")

    return _state_change(request, cycle_id, do)


# --- the grid --------------------------------------------------------------------------------


@dataclass
class GridRow:
    label: str
    subject_id: int
    source: str
    ballot: str = ""
    note: str = ""
    cells: list = field(default_factory=list)  # [(item, value text)]
    total: str = "0"
    complete: bool = False
    filled: int = 0


def _rows(view, specs: list[tuple[str, int, str, str, str, Evaluation | None]]) -> list[GridRow]:
    items = view.items
    rows = []
    for label, subject_id, source, ballot, note, evaluation in specs:
        scores = evaluation.scores if evaluation is not None else {}
        rows.append(
            GridRow(
                label=label,
                subject_id=subject_id,
                source=source,
                ballot=ballot,
                note=note,
                cells=[(it, scores.get(str(it.pk), "")) for it in items],
                total=cycles._plain(evaluation.total) if evaluation is not None else "0",
                complete=bool(evaluation and evaluation.complete),
                filled=len(scores),
            )
        )
    return rows


def _closed_note(cycle) -> str:
    if cycle.state == CycleState.OPEN:
        return ""
    return f"本周期{cycle.get_state_display()}，不能再评分。"


@requires("appraisal.record")
def grid(request, cycle_id: int):
    """The organisation's scores (组织考评) for the members of one branch: rows = members,
    columns = the items grouped by aspect, each cell saved as it is left."""
    cycle = _cycle(request, cycle_id, "appraisal.record")
    branch_list = cycles.recordable_branches(request.user, cycle)
    if not branch_list:
        raise Http404
    branch = next((b for b in branch_list if str(b.pk) == request.GET.get("branch")), branch_list[0])
    view = cycles.rubric_view(cycle)
    page = Paginator(cycles.recordable_members(request.user, cycle, branch), GRID_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = list(page)
    found = cycles.evaluations_by_subject(
        cycle, [p.pk for p in people], source=Source.ORGANIZATION, ballot=cycles.ORGANIZATION_BALLOT
    )
    specs = [
        (
            p.name,
            p.pk,
            Source.ORGANIZATION,
            cycles.ORGANIZATION_BALLOT,
            p.group.name if p.group else "",
            found.get(p.pk),
        )
        for p in people
    ]
    return render(
        request,
        "appraisal/grid.html",
        {
            "nav": NAV,
            "cycle": cycle,
            "branch": branch,
            "branches": branch_list,
            "page": page,
            "view": view,
            "rows": _rows(view, specs),
            "editable": cycle.state == CycleState.OPEN,
            "closed_note": _closed_note(cycle),
            "cell_url": reverse("appraisal:grid_cell", kwargs={"cycle_id": cycle.pk}),
            "show_workers": True,
        },
    )


def _cell_answer(request, cycle):
    data = request.POST
    try:
        saved = cycles.record_score(
            cycle=cycle,
            subject_id=data.get("subject"),
            source=data.get("source", ""),
            ballot=data.get("ballot", ""),
            item_id=data.get("item"),
            value=data.get("value", ""),
            acting_user=request.user,
        )
    except DomainError as exc:
        return JsonResponse({"ok": False, "error": "；".join(exc.messages)})
    e = saved.evaluation
    return JsonResponse(
        {
            "ok": True,
            "value": "" if saved.value is None else cycles._plain(saved.value),
            "total": cycles._plain(e.total),
            "complete": e.complete,
            "filled": len(e.scores),
        }
    )


@require_POST
@requires("appraisal.record")
def grid_cell(request, cycle_id: int):
    """Saves one cell of the organisation grid or of a worker form (JSON)."""
    cycle = _cycle(request, cycle_id, "appraisal.record")
    if request.POST.get("source") not in (Source.ORGANIZATION, Source.WORKER):
        return JsonResponse({"ok": False, "error": "评价方式：只能录入组织考评或群众评议表"})
    try:
        return _cell_answer(request, cycle)
    except NotFoundOrForbidden:
        raise Http404 from None


def _subject(request, cycle, subject_id):
    try:
        return cycles.recordable_members(request.user, cycle).get(pk=subject_id)
    except Person.DoesNotExist:
        raise Http404 from None


@requires("appraisal.record")
def workers(request, cycle_id: int, subject_id: int):
    """The workers' paper forms (群众评议表) of one member, one row per form."""
    cycle = _cycle(request, cycle_id, "appraisal.record")
    subject = _subject(request, cycle, subject_id)
    view = cycles.rubric_view(cycle)
    ballots = cycles.worker_ballots(cycle, subject)
    specs = [(e.ballot, subject.pk, Source.WORKER, e.ballot, "", e) for e in ballots]
    return render(
        request,
        "appraisal/grid_workers.html",
        {
            "nav": NAV,
            "cycle": cycle,
            "subject": subject,
            "view": view,
            "rows": _rows(view, specs),
            "editable": cycle.state == CycleState.OPEN,
            "closed_note": _closed_note(cycle),
            "cell_url": reverse("appraisal:grid_cell", kwargs={"cycle_id": cycle.pk}),
            "complete_count": sum(1 for e in ballots if e.complete),
        },
    )


@require_POST
@requires("appraisal.record")
def workers_add(request, cycle_id: int, subject_id: int):
    cycle = _cycle(request, cycle_id, "appraisal.record")
    subject = _subject(request, cycle, subject_id)
    try:
        made = cycles.add_ballots(
            cycle=cycle, subject_id=subject.pk, count=request.POST.get("count", "1"), acting_user=request.user
        )
    except DomainError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("appraisal:workers", cycle_id=cycle.pk, subject_id=subject.pk)
    except NotFoundOrForbidden:
        raise Http404 from None
    messages.success(request, f"已添加 {len(made)} 张群众评议表")
    url = reverse("appraisal:workers", kwargs={"cycle_id": cycle.pk, "subject_id": subject.pk})
    return redirect(f"{url}#row-{made[0].ballot}" if made else url)


# --- a member's own pages ------------------------------------------------------------------


def _not_mine(request):
    messages.error(request, "考核周期：不是您所在党支部的考核，或不存在")
    return redirect("appraisal:my_cycles")


@requires(AUTHENTICATED)
def my_cycles(request):
    me = cycles.member_self(request.user)
    page = None
    if me is not None:
        page = Paginator(member_cycles_ordered(me), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appraisal/cycle_mine.html", {"nav": NAV, "me": me, "page": page})


def member_cycles_ordered(me):
    return cycles.member_cycles(me).order_by("-year", "-quarter", "-id")


@requires(AUTHENTICATED)
def my_sheet(request, cycle_id: int):
    """A member's own sheet: their self-evaluation (one row) and their peers (the other
    members of their branch), in the same grid."""
    try:
        cycle, me = cycles.member_cycle(request.user, cycle_id)
    except NotFoundOrForbidden:
        return _not_mine(request)
    view = cycles.rubric_view(cycle)
    page = Paginator(cycles.peers(cycle, me), GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    peer_list = list(page)
    own = cycles.evaluations_by_subject(cycle, [me.pk], source=Source.SELF, evaluator=me)
    given = cycles.evaluations_by_subject(cycle, [p.pk for p in peer_list], source=Source.PEER, evaluator=me)
    self_rows = _rows(view, [(f"{me.name}（本人）", me.pk, Source.SELF, "", "个人自评", own.get(me.pk))])
    peer_rows = _rows(
        view,
        [
            (p.name, p.pk, Source.PEER, "", p.group.name if p.group else "", given.get(p.pk))
            for p in peer_list
        ],
    )
    return render(
        request,
        "appraisal/grid_sheet.html",
        {
            "nav": NAV,
            "cycle": cycle,
            "me": me,
            "view": view,
            "self_rows": self_rows,
            "peer_rows": peer_rows,
            "page": page,
            "editable": cycle.state == CycleState.OPEN,
            "closed_note": _closed_note(cycle),
            "cell_url": reverse("appraisal:my_cell", kwargs={"cycle_id": cycle.pk}),
            "done_peers": sum(1 for r in peer_rows if r.complete),
        },
    )


@require_POST
@requires(AUTHENTICATED)
def my_cell(request, cycle_id: int):
    """Saves one cell of a member's own sheet (self or peer; JSON)."""
    try:
        cycle, _ = cycles.member_cycle(request.user, cycle_id)
    except NotFoundOrForbidden:
        return _not_mine(request)
    if request.POST.get("source") not in (Source.SELF, Source.PEER):
        return JsonResponse({"ok": False, "error": "评价方式：只能填写个人自评或党员互评"})
    try:
        return _cell_answer(request, cycle)
    except NotFoundOrForbidden:
        return JsonResponse({"ok": False, "error": "党员：只能给本支部的其他党员互评打分"})


@requires(AUTHENTICATED)
def my_result(request, cycle_id: int):
    """A member's own result and how it was computed from the sources: counts, the
    extremes dropped (values only), the means, the weights — never who gave what."""
    try:
        cycle, me = cycles.member_cycle(request.user, cycle_id)
    except NotFoundOrForbidden:
        return _not_mine(request)
    return render(
        request,
        "appraisal/result.html",
        {"nav": NAV, "cycle": cycle, "me": me, "result": cycles.own_result(cycle, me)},
    )


urlpatterns = [
    path("rubric/", rubric_page, name="rubric"),
    path("rubric/new/", rubric_new, name="rubric_new"),
    path("cycles/", cycle_list, name="cycles"),
    path("cycles/open/", cycle_open, name="cycle_open"),
    path("cycles/<int:cycle_id>/", cycle_detail, name="cycle"),
    path("cycles/<int:cycle_id>/progress/", cycle_progress, name="cycle_progress"),
    path("cycles/<int:cycle_id>/close/", cycle_close, name="cycle_close"),
    path("cycles/<int:cycle_id>/archive/", cycle_archive, name="cycle_archive"),
    path("cycles/<int:cycle_id>/grid/", grid, name="grid"),
    path("cycles/<int:cycle_id>/grid/cell/", grid_cell, name="grid_cell"),
    path("cycles/<int:cycle_id>/workers/<int:subject_id>/", workers, name="workers"),
    path("cycles/<int:cycle_id>/workers/<int:subject_id>/add/", workers_add, name="workers_add"),
    path("mine/cycles/", my_cycles, name="my_cycles"),
    path("mine/cycles/<int:cycle_id>/", my_sheet, name="my_sheet"),
    path("mine/cycles/<int:cycle_id>/cell/", my_cell, name="my_cell"),
    path("mine/cycles/<int:cycle_id>/result/", my_result, name="my_result"),
]
