"""Reads that only the UI's pages combine (home page, audit log)."""

from datetime import date

from django.db.models import Count, Q

from vanguard.accounts.models import Post
from vanguard.accounts.policy import scope_of
from vanguard.admission import calendar as admission_calendar
from vanguard.appraisal import cards as appraisal_cards
from vanguard.appraisal import talks as appraisal_talks
from vanguard.core.models import AuditEntry
from vanguard.organizations.selectors import visible_organizations
from vanguard.people.selectors import visible_people

# The home page's to-do: overdue items and what falls due within this many days, at
# most TODO_LIMIT rows (the calendar shows the rest, branch by branch).
TODO_DAYS = 30
TODO_LIMIT = 50


def home_summary(user, *, today: date) -> dict:
    scope = scope_of(user)
    out: dict = {"posts": scope.grants}
    if scope.may("admission.view"):
        todo = admission_calendar.to_do(user, today=today, days=TODO_DAYS)
        out.update(todo=todo[:TODO_LIMIT], todo_more=max(0, len(todo) - TODO_LIMIT), todo_days=TODO_DAYS)
    if scope.may("appraisal.record"):
        card_todo = appraisal_cards.to_do(user)  # goal cards to confirm, self-checks to review
        if card_todo["cards"] or card_todo["checks"]:
            out["card_todo"] = card_todo
        talk_todo = list(appraisal_talks.assigned_to(user)[:TODO_LIMIT])  # talks to hold or follow up
        for talk in talk_todo:
            talk.overdue = appraisal_talks.is_overdue(talk, today)
        if talk_todo:
            out["talk_todo"] = talk_todo
    if scope.may("person.view") and scope.grants:
        counts = visible_people(user).aggregate(
            total=Count("id"),
            full=Count("id", filter=Q(political_status="full")),
            probationary=Count("id", filter=Q(political_status="probationary")),
            pipeline=Count("id", filter=Q(political_status__in=["applicant", "activist", "candidate"])),
            workers=Count("id", filter=Q(political_status="worker")),
        )
        out["counts"] = counts
    if scope.may("org.view"):
        out["org_counts"] = visible_organizations(user, include_closed=False).aggregate(
            branches=Count("id", filter=Q(kind="branch")),
            groups=Count("id", filter=Q(kind="group")),
            committees=Count("id", filter=Q(kind__in=["committee", "general_branch"])),
        )
    return out


def visible_audit(user, *, action: str = ""):
    """The organisation department sees every row; a committee sees rows written by the
    users who hold posts in its subtree."""
    scope = scope_of(user)
    qs = AuditEntry.objects.all()
    if not scope.is_enterprise:
        paths = [g.org_path for g in scope.grants_for("audit.view")]
        cond = Q(pk__in=[])
        for p in paths:
            cond |= Q(organization__path__startswith=p)
        users = Post.objects.filter(cond).values("user_id")
        qs = qs.filter(actor_id__in=users)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-at", "-id")
