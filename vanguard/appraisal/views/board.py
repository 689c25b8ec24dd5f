"""Views of the appraisal: 挂旗 — the flag board (评比台) and the talks.

- `board/`: the published cycles the user may see a board of;
- `board/<cycle>/`: a committee's overview, the members per flag in each branch;
- `board/<cycle>/<branch>/`: the branch's board (`?by=group` groups by party group,
  `?screen=1` is the large-screen mode for a meeting room); it prints on A4;
- `talks/`, `talks/<talk>/` and its forms: the talk tasks of members at yellow or below;
  `talks/mine/`: a member's own talks.

Outside the scope (or not the member's branch) is a 404. Thin: parse, call one read or
write of `board.py` / `talks.py`, render."""

from __future__ import annotations

import math
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.models import User
from vanguard.accounts.policy import AUTHENTICATED, requires, scope_of
from vanguard.appraisal import board as boards
from vanguard.appraisal import talks
from vanguard.appraisal.models import TalkState
from vanguard.core.errors import DomainError, NotFoundOrForbidden

PAGE_SIZE = 50
# The large screen is 16:9; a member's card reads best about 1.6 times as wide as high.
SCREEN_RATIO = 16 / 9
CARD_RATIO = 1.6


# --- the board ------------------------------------------------------------------------------


@requires(AUTHENTICATED)
def board_index(request):
    """The published cycles whose board the user may see (members: their branch's)."""
    page = Paginator(boards.published_cycles(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    own = boards.own_branch_id(request.user)
    officer = boards.may_see_overview(request.user)
    for c in page:
        # A branch's own cycle, or a member / group leader: straight to the branch's board.
        if c.organization.kind == "branch":
            c.board_branch_id = c.organization_id
        elif not officer and own is not None:
            c.board_branch_id = own
        else:
            c.board_branch_id = None
    return render(request, "appraisal/board_index.html", {"nav": "board", "page": page, "officer": officer})


@requires("appraisal.view")
def board_overview(request, cycle_id):
    try:
        cycle = boards.find_cycle(request.user, cycle_id)
    except NotFoundOrForbidden:
        raise Http404 from None
    rows = boards.overview(request.user, cycle)
    totals = boards.totals(rows)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "appraisal/board_overview.html",
        {
            "nav": "board",
            "cycle": cycle,
            "shown": boards.is_shown(cycle),
            "page": page,
            "totals": totals,
            "flags": [(f, boards.FLAG_LABELS[f], boards.FLAG_RANGES[f], totals[f]) for f in boards.FLAGS],
        },
    )


def screen_grid(n: int) -> tuple[int, int]:
    """(columns, rows) that fill a 16:9 screen with n cards of about 1.6:1."""
    if n <= 0:
        return 1, 1
    cols = max(1, min(n, math.ceil(math.sqrt(n * SCREEN_RATIO / CARD_RATIO))))
    return cols, math.ceil(n / cols)


@requires(AUTHENTICATED)
def branch_board(request, cycle_id, branch_id):
    try:
        cycle = boards.find_cycle(request.user, cycle_id, scoped=False)
        branch = boards.board_branch(request.user, cycle, branch_id)
    except NotFoundOrForbidden:
        raise Http404 from None
    board = boards.board(cycle, branch)
    by = "group" if request.GET.get("by") == "group" else "flag"
    cols, rows = screen_grid(board.total)
    context = {
        "nav": "board",
        "board": board,
        "shown": boards.is_shown(cycle),
        "by": by,
        "sections": board.by_group() if by == "group" else board.by_flag(),
        "show_group": by == "flag",
        "cols": cols,
        "rows": rows,
        "officer": scope_of(request.user).allows_org("appraisal.view", branch),
        "today": timezone.localdate(),
    }
    if request.GET.get("screen"):
        # The screen orders by rank (which is by flag too) and leaves the groups out: the
        # cards must read from across the room.
        return render(request, "appraisal/board_screen.html", {**context, "by": "screen"})
    return render(request, "appraisal/board.html", context)


# --- talks ----------------------------------------------------------------------------------


@requires("appraisal.view")
def talk_list(request):
    raw_branch = request.GET.get("branch") or ""
    branch_id = int(raw_branch) if raw_branch.isdigit() else None
    state = request.GET.get("state", "")
    qs = talks.talk_list(request.user, branch_id=branch_id, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for t in page:
        t.overdue = talks.is_overdue(t, today)
    return render(
        request,
        "appraisal/talk_list.html",
        {
            "nav": "board",
            "page": page,
            "state": state if state in TalkState.values else "",
            "states": TalkState.choices,
            "branch_id": branch_id,
        },
    )


@requires(AUTHENTICATED)
def my_talks(request):
    return render(
        request, "appraisal/talk_mine.html", {"nav": "board", "talks": talks.own_talks(request.user)}
    )


def _talk(request, talk_id, action="appraisal.view"):
    try:
        return talks.find_talk(request.user, talk_id, action)
    except NotFoundOrForbidden:
        raise Http404 from None


def _render_talk(request, talk, *, problems=(), form="", data=None, status=200):
    today = timezone.localdate()
    may_record = talks.may_record(request.user, talk) and talk.state != TalkState.CLOSED
    may_reassign = talks.may_reassign(request.user, talk) and talk.state != TalkState.CLOSED
    return render(
        request,
        "appraisal/talk_detail.html",
        {
            "nav": "board",
            "talk": talk,
            "entries": talks.entries(talk),
            "overdue": talks.is_overdue(talk, today),
            "may_record": may_record,
            "may_reassign": may_reassign,
            "talkers": list(talks.talkers(talk.branch)) if may_reassign else [],
            "problems": problems,
            "form": form,
            "data": data or {},
            "today": today,
        },
        status=status,
    )


@requires("appraisal.view")
def talk_detail(request, talk_id):
    return _render_talk(request, _talk(request, talk_id))


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _write(request, talk, form, do, done):
    try:
        do()
    except DomainError as exc:
        return _render_talk(request, talk, problems=exc.problems, form=form, data=request.POST, status=422)
    messages.success(request, done)
    return redirect(reverse("appraisal:talk", args=[talk.pk]))


@require_POST
@requires("appraisal.manage")
def talk_assign(request, talk_id):
    talk = _talk(request, talk_id, "appraisal.manage")
    raw = request.POST.get("assignee") or ""
    assignee = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    return _write(
        request,
        talk,
        "assign",
        lambda: talks.reassign(talk=talk, assignee=assignee, acting_user=request.user),
        f"已指派谈话人：{assignee}",
    )


@require_POST
@requires("appraisal.record")
def talk_record(request, talk_id):
    talk = _talk(request, talk_id, "appraisal.record")
    p = request.POST
    return _write(
        request,
        talk,
        "record",
        lambda: talks.record_talk(
            talk=talk,
            on=_date(p.get("on")),
            pointed_out=p.get("pointed_out", ""),
            will_change=p.get("will_change", ""),
            acting_user=request.user,
        ),
        "谈话已记录，请跟踪整改情况",
    )


@require_POST
@requires("appraisal.record")
def talk_follow_up(request, talk_id):
    talk = _talk(request, talk_id, "appraisal.record")
    p = request.POST
    return _write(
        request,
        talk,
        "follow_up",
        lambda: talks.add_follow_up(
            talk=talk, on=_date(p.get("on")), note=p.get("note", ""), acting_user=request.user
        ),
        "跟踪回访已记录",
    )


@require_POST
@requires("appraisal.record")
def talk_close(request, talk_id):
    talk = _talk(request, talk_id, "appraisal.record")
    p = request.POST
    return _write(
        request,
        talk,
        "close",
        lambda: talks.close_talk(
            talk=talk, on=_date(p.get("on")), note=p.get("note", ""), acting_user=request.user
        ),
        "谈话任务已销号",
    )


urlpatterns = [
    path("board/", board_index, name="board_index"),
    path("board/<int:cycle_id>/", board_overview, name="board_overview"),
    path("board/<int:cycle_id>/<int:branch_id>/", branch_board, name="board"),
    path("talks/", talk_list, name="talks"),
    path("talks/mine/", my_talks, name="my_talks"),
    path("talks/<int:talk_id>/", talk_detail, name="talk"),
    path("talks/<int:talk_id>/assign/", talk_assign, name="talk_assign"),
    path("talks/<int:talk_id>/record/", talk_record, name="talk_record"),
    path("talks/<int:talk_id>/follow-up/", talk_follow_up, name="talk_follow_up"),
    path("talks/<int:talk_id>/close/", talk_close, name="talk_close"),
]
