"""填卡 pages (issue 4 point 6): the branch's overview of a year's cards (and the task X
form), a member's own card ("我的目标卡"), a card (one A4 page when printed), its edit
form, confirm / return, the quarterly self-check and its review. Thin: parse, call one
function of `vanguard.appraisal.cards`, render. A card outside the user's scope is a 404."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from vanguard.accounts.policy import AUTHENTICATED, requires, scope_of
from vanguard.appraisal import cards
from vanguard.appraisal.models import CardState, CheckVerdict
from vanguard.core.errors import DomainError, NotFoundOrForbidden

ERRORS = {"required": "不能为空", "invalid": "格式不正确", "max_length": "不能超过 %(limit_value)d 个字"}


class PartsForm(forms.Form):
    """The five parts (parsing only; `cards.save_card` decides)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hints = {
            "goals": "本年度在安全生产、本职岗位上要达到的目标",
            "measures": "为实现目标、争当先锋采取的具体措施",
            "commitments": "向组织和群众公开承诺的事项",
            "study": "政治理论、业务技能学习计划",
            "contact": "联系、帮扶的职工群众及服务事项",
        }
        for key, label in cards.PARTS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=cards.TEXT_MAX,
                help_text=hints[key],
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[key].error_messages.update(ERRORS)


class TaskForm(forms.Form):
    title = forms.CharField(label="任务", required=False, max_length=cards.TITLE_MAX)
    detail = forms.CharField(label="要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due = forms.DateField(
        label="完成期限", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages.update(ERRORS)


def _today() -> date:
    return timezone.localdate()


def _year(request) -> int:
    data = request.POST if request.method == "POST" else request.GET
    try:
        return int(data.get("year") or _today().year)
    except ValueError:
        return _today().year


def _card(request, card_pk):
    try:
        return cards.card(request.user, card_pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _recorded_card(request, card_pk):
    card = _card(request, card_pk)
    if not cards.is_recorder(request.user, card.person):
        raise Http404
    return card


def _show(request, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, p.message)


def _overview_url(branch, year) -> str:
    return f"{reverse('appraisal:cards')}?branch={branch.pk}&year={year}"


# --- the branch's overview -------------------------------------------------------------------


@requires("appraisal.view")
def overview(request):
    branches = cards.branches(request.user)
    raw = request.GET.get("branch")
    if raw:
        try:
            branch = cards.branch(request.user, raw)
        except NotFoundOrForbidden:
            raise Http404 from None
    else:
        branch = branches.first()
    return render(request, "appraisal/card_overview.html", _overview_context(request, branches, branch))


def _overview_context(request, branches, branch, task_form=None, selected=(), problems=()):
    year = _year(request)
    today = _today()
    quarter = cards.current_quarter(year, today)
    context = {
        "nav": "appraisal",
        "branches": branches,
        "branch": branch,
        "year": year,
        "years": range(today.year + 1, today.year - 5, -1),
        "quarter": quarter,
        "quarter_name": cards.QUARTER_NAMES.get(quarter, ""),
        "task_form": task_form or TaskForm(),
        "selected": {str(s) for s in selected},
        "problems": problems,
    }
    if branch is not None:
        rows = cards.overview(request.user, branch=branch, year=year, quarter=quarter)
        context.update(
            rows=rows,
            counts=cards.summary(rows),
            may_record=scope_of(request.user).allows_org("appraisal.record", branch),
        )
    return context


@require_POST
@requires("appraisal.record")
def open_for(request):
    """The branch fills a card on behalf of a member (most miners have no account)."""
    try:
        person = cards.members(_recordable_branch(request)).get(pk=int(request.POST.get("person", "")))
    except (ValueError, cards.Person.DoesNotExist):
        raise Http404 from None
    if not cards.is_recorder(request.user, person):
        raise Http404
    try:
        card = cards.open_card(person=person, year=_year(request), acting_user=request.user)
    except DomainError as exc:
        _show(request, exc)
        return redirect(_overview_url(person.branch, _year(request)))
    return redirect("appraisal:card_edit", card_pk=card.pk)


def _recordable_branch(request):
    raw = request.POST.get("branch")
    if not raw:
        raise Http404
    try:
        branch = cards.branch(request.user, raw)
    except NotFoundOrForbidden:
        raise Http404 from None
    if not scope_of(request.user).allows_org("appraisal.record", branch):
        raise Http404
    return branch


@require_POST
@requires("appraisal.record")
def add_tasks(request):
    """给选中的党员布置任务: the same task X on the card of each member ticked."""
    if not request.POST.get("branch"):
        return HttpResponseBadRequest("党支部：缺少参数".encode())
    branch = _recordable_branch(request)
    year = _year(request)
    ids = request.POST.getlist("person")
    recordable = {
        str(p.pk): p
        for p in cards.members(branch).filter(scope_of(request.user).people_q("appraisal.record"))
    }
    if any(i not in recordable for i in ids):
        raise Http404
    form = TaskForm(request.POST)
    back = request.POST.get("back")
    problems = []
    if form.is_valid():
        c = form.cleaned_data
        try:
            tasks = cards.add_task(
                people=[recordable[i] for i in ids],
                year=year,
                title=c["title"],
                detail=c["detail"],
                due=c["due"],
                acting_user=request.user,
            )
        except DomainError as exc:
            problems = exc.problems
        else:
            messages.success(request, f"已给 {len(tasks)} 名党员布置任务“{c['title'].strip()}”")
            if back == "card" and len(tasks) == 1:
                return redirect("appraisal:card", card_pk=tasks[0].card_id)
            return redirect(_overview_url(branch, year))
    if back == "card" and len(ids) == 1:
        for p in problems:
            messages.error(request, p.message)
        for name, errs in form.errors.items():
            messages.error(request, f"{form.fields[name].label}：{errs[0]}")
        card = cards.open_card(person=recordable[ids[0]], year=year, acting_user=request.user)
        return redirect("appraisal:card", card_pk=card.pk)
    context = _overview_context(
        request, cards.branches(request.user), branch, task_form=form, selected=ids, problems=problems
    )
    return render(request, "appraisal/card_overview.html", context, status=422)


# --- a member's own card ---------------------------------------------------------------------


@requires(AUTHENTICATED)
def my_card(request):
    """我的目标卡: the member's card of the year, or the form to start it."""
    year = _year(request)
    person = cards.own_person(request.user)
    context = {"nav": "appraisal", "year": year, "person": person, "card": None}
    if person is None or person.political_status not in cards.MEMBER_STATUSES:
        return render(request, "appraisal/card_mine.html", context)
    card = cards.own_card(request.user, year)
    if card is not None:
        return redirect("appraisal:card", card_pk=card.pk)
    form = PartsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            card = cards.open_card(person=person, year=year, acting_user=request.user)
            card = cards.save_card(
                card=card,
                parts=form.cleaned_data,
                acting_user=request.user,
                submit=request.POST.get("action") == "submit",
            )
        except DomainError as exc:
            context["problems"] = exc.problems
        else:
            messages.success(request, _saved_message(card))
            return redirect("appraisal:card", card_pk=card.pk)
    context.update(form=form, action=f"{reverse('appraisal:my_card')}?year={year}")
    status = 422 if request.method == "POST" else 200
    return render(request, "appraisal/card_edit.html", context, status=status)


def _saved_message(card) -> str:
    if card.state == CardState.SUBMITTED:
        return "目标卡已提交，等待支部确认"
    return "已保存（尚未提交支部确认）"


# --- a card ------------------------------------------------------------------------------


@requires(AUTHENTICATED)
def detail(request, card_pk):
    card = _card(request, card_pk)
    today = _today()
    checks = cards.checks_by_quarter(card)
    tasks = list(card.tasks.all())
    rows = [
        {
            "label": label,
            "text": getattr(card, key),
            "cells": [_cell(checks.get(q), key, q) for q in cards.QUARTERS],
        }
        for key, label in cards.PARTS
    ]
    task_rows = [
        {"task": t, "cells": [_cell(checks.get(q), f"task:{t.pk}", q, t.pk) for q in cards.QUARTERS]}
        for t in tasks
    ]
    quarters = [
        {
            "number": q,
            "name": cards.QUARTER_NAMES[q],
            "check": checks.get(q),
            "state": cards.CHECK_LABELS[cards.check_state(checks.get(q))],
            "begun": cards.quarter_start(card.year, q) <= today,
        }
        for q in cards.QUARTERS
    ]
    context = {
        "nav": "appraisal",
        "card": card,
        "rows": rows,
        "task_rows": task_rows,
        "quarters": quarters,
        "may_fill": cards.may_fill(request.user, card),
        "may_decide": cards.may_decide(request.user, card),
        "is_recorder": cards.is_recorder(request.user, card.person),
        "returned": cards.last_return(card),
        "task_form": TaskForm(),
    }
    return render(request, "appraisal/card_detail.html", context)


def _cell(check, key, quarter, task_pk=None) -> dict:
    label = cards.QUARTER_NAMES[quarter]
    if check is None:
        return {"label": label, "text": "", "done": False}
    done = task_pk is not None and task_pk in check.done_tasks
    return {"label": label, "text": check.progress.get(key, ""), "done": done}


@requires(AUTHENTICATED)
def edit(request, card_pk):
    card = _card(request, card_pk)
    if not cards.may_fill(request.user, card):
        messages.error(request, "目标卡：您只能查看这张目标卡，由党员本人或支部委员填写")
        return redirect("appraisal:card", card_pk=card.pk)
    if card.state == CardState.CONFIRMED:
        messages.error(request, "目标卡：支部已确认，内容不能再修改")
        return redirect("appraisal:card", card_pk=card.pk)
    initial = {key: getattr(card, key) for key in cards.PART_KEYS}
    form = PartsForm(request.POST or None, initial=initial)
    context = {
        "nav": "appraisal",
        "card": card,
        "year": card.year,
        "person": card.person,
        "form": form,
        "returned": cards.last_return(card),
        "action": reverse("appraisal:card_edit", kwargs={"card_pk": card.pk}),
    }
    if request.method == "POST" and form.is_valid():
        try:
            card = cards.save_card(
                card=card,
                parts=form.cleaned_data,
                acting_user=request.user,
                submit=request.POST.get("action") == "submit",
            )
        except DomainError as exc:
            context["problems"] = exc.problems
        else:
            messages.success(request, _saved_message(card))
            return redirect("appraisal:card", card_pk=card.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "appraisal/card_edit.html", context, status=status)


@require_POST
@requires("appraisal.record")
def confirm(request, card_pk):
    card = _recorded_card(request, card_pk)
    try:
        cards.confirm_card(card=card, acting_user=request.user)
    except DomainError as exc:
        _show(request, exc)
    else:
        messages.success(request, f"已确认 {card.person.name} 的 {card.year} 年度目标计划卡")
    return redirect("appraisal:card", card_pk=card.pk)


@require_POST
@requires("appraisal.record")
def return_card(request, card_pk):
    card = _recorded_card(request, card_pk)
    try:
        cards.return_card(card=card, reason=request.POST.get("reason", ""), acting_user=request.user)
    except DomainError as exc:
        _show(request, exc)
    else:
        messages.success(request, f"已将 {card.person.name} 的目标卡退回修改")
    return redirect("appraisal:card", card_pk=card.pk)


# --- the quarterly self-check --------------------------------------------------------------


def _quarter(quarter) -> int:
    if int(quarter) not in cards.QUARTERS:
        raise Http404
    return int(quarter)


@requires(AUTHENTICATED)
def check(request, card_pk, quarter):
    card = _card(request, card_pk)
    quarter = _quarter(quarter)
    found = cards.checks_by_quarter(card).get(quarter)
    may_fill = cards.may_fill(request.user, card) and (found is None or found.reviewed_at is None)
    problems = cards.check_problems(card, quarter, _today())
    status = 200
    if request.method == "POST":
        if not may_fill:
            messages.error(request, "季度自查：您不能填写这份自查")
            return redirect("appraisal:card", card_pk=card.pk)
        progress = {k: request.POST.get(k, "") for k in cards.PART_KEYS}
        progress.update({f"task:{t.pk}": request.POST.get(f"task:{t.pk}", "") for t in card.tasks.all()})
        try:
            done = [int(v) for v in request.POST.getlist("done")]
        except ValueError:
            done = []
        try:
            found = cards.save_check(
                card=card,
                quarter=quarter,
                progress=progress,
                done_tasks=done,
                acting_user=request.user,
                submit=request.POST.get("action") == "submit",
            )
        except DomainError as exc:
            problems = exc.problems
            status = 422
            entered = {"progress": progress, "done": done}
        else:
            messages.success(
                request,
                f"{cards.QUARTER_NAMES[quarter]}自查"
                + ("已提交，等待支部审核" if found.submitted_at else "已保存（尚未提交）"),
            )
            return redirect("appraisal:check", card_pk=card.pk, quarter=quarter)
    if status == 200:
        entered = {
            "progress": found.progress if found else {},
            "done": found.done_tasks if found else [],
        }
    parts = [
        {"key": key, "label": label, "text": getattr(card, key), "progress": entered["progress"].get(key, "")}
        for key, label in cards.PARTS
    ]
    tasks = [
        {"task": t, "progress": entered["progress"].get(f"task:{t.pk}", ""), "done": t.pk in entered["done"]}
        for t in card.tasks.all()
    ]
    state = cards.check_state(found)
    may_review = cards.may_decide(request.user, card) and state == "submitted"
    context = {
        "nav": "appraisal",
        "card": card,
        "quarter": quarter,
        "quarter_name": cards.QUARTER_NAMES[quarter],
        "check": found,
        "state": state,
        "state_label": cards.CHECK_LABELS[state],
        "parts": parts,
        "tasks": tasks,
        "problems": problems,
        # The branch reviews a submitted self-check as it stands; the member may still
        # update it until it is reviewed.
        "editable": may_fill
        and not (status == 200 and problems)
        and (state != "submitted" or card.person_id == request.user.person_id),
        "may_review": may_review,
        "verdicts": CheckVerdict.choices,
    }
    return render(request, "appraisal/card_check.html", context, status=status)


@require_POST
@requires("appraisal.record")
def review(request, card_pk, quarter):
    card = _recorded_card(request, card_pk)
    quarter = _quarter(quarter)
    found = cards.checks_by_quarter(card).get(quarter)
    if found is None:
        messages.error(request, f"季度自查：{cards.QUARTER_NAMES[quarter]}尚无自查，不能审核")
        return redirect("appraisal:card", card_pk=card.pk)
    found.card = card
    try:
        cards.review_check(
            check=found,
            verdict=request.POST.get("verdict", ""),
            comment=request.POST.get("comment", ""),
            acting_user=request.user,
        )
    except DomainError as exc:
        _show(request, exc)
    else:
        messages.success(request, f"已审核 {card.person.name} 的{cards.QUARTER_NAMES[quarter]}自查")
    return redirect("appraisal:check", card_pk=card.pk, quarter=quarter)


urlpatterns = [
    path("cards/", overview, name="cards"),
    path("cards/mine/", my_card, name="my_card"),
    path("cards/open/", open_for, name="card_open"),
    path("cards/tasks/", add_tasks, name="card_tasks"),
    path("cards/<int:card_pk>/", detail, name="card"),
    path("cards/<int:card_pk>/edit/", edit, name="card_edit"),
    path("cards/<int:card_pk>/confirm/", confirm, name="card_confirm"),
    path("cards/<int:card_pk>/return/", return_card, name="card_return"),
    path("cards/<int:card_pk>/q<int:quarter>/", check, name="check"),
    path("cards/<int:card_pk>/q<int:quarter>/review/", review, name="check_review"),
]
