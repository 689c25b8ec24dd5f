"""The deadlines as the user meets them: the selector over every visible open dossier
(constant queries), the branch calendar and the home page's to-do, for roles inside and
outside the scope."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.admission import calendar, services
from vanguard.admission.models import StepKind
from vanguard.admission.tests.journey import TO_APPROVAL, record, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def apply(make_person):
    """Open a dossier for a new applicant of `branch` on `on` (no talk yet)."""

    def do(branch, name, on):
        person = make_person(
            branch,
            name=name,
            political_status="worker",
            application_date=None,
            join_date=None,
            full_member_date=None,
        )
        return services.open_dossier(person=person, on=on, acting_user=None)

    return do


@pytest.fixture
def overdue(tree, apply):
    """An application talk overdue in 综采一队 and one in 二矿's 掘进二队."""
    on = timezone.localdate() - timedelta(days=60)
    return apply(tree.branch1, "周申请", on), apply(tree.branch2, "吴申请", on)


# --- the selector -----------------------------------------------------------------------------


def test_the_selector_reads_the_steps_and_the_probation(candidate, mentors, users):
    walk(candidate, TO_APPROVAL, mentors, users)
    items = calendar.due_items(users[Role.BRANCH_SECRETARY], today=date(2026, 5, 1))
    (item,) = items
    assert (item.code, item.due, item.person_name) == ("probation_end", date(2026, 6, 1), "赵申请")
    assert item.dossier_id == candidate.pk and item.branch_name == "综采一队党支部"


def _vote(dossier, users, outcome, on, **more):
    record(
        dossier,
        StepKind.OUTCOME_CONGRESS,
        on,
        users[Role.BRANCH_SECRETARY],
        outcome=outcome,
        should_attend=21,
        present=18,
        in_favour=17,
        **more,
    )


def test_a_vote_awaiting_approval_is_due_within_three_months(candidate, mentors, users):
    walk(candidate, TO_APPROVAL, mentors, users)
    _vote(candidate, users, "conversion", date(2026, 6, 5))
    (item,) = calendar.due_items(users[Role.COMMITTEE_ORGANIZER], today=date(2026, 7, 1))
    assert (item.code, item.due) == ("outcome_approval", date(2026, 9, 5))


def test_an_approved_extension_moves_the_probation_end(candidate, mentors, users):
    walk(candidate, TO_APPROVAL, mentors, users)
    _vote(candidate, users, "extension", date(2026, 6, 5), extension_months=6)
    record(
        candidate,
        StepKind.OUTCOME_APPROVAL,
        date(2026, 6, 20),
        users[Role.COMMITTEE_ORGANIZER],
        outcome="extension",
        extension_months=6,
    )
    (item,) = calendar.due_items(users[Role.BRANCH_SECRETARY], today=date(2026, 7, 1))
    assert (item.code, item.due) == ("probation_end", date(2026, 12, 1))


def test_a_candidate_before_the_notice_owes_nothing(candidate, users):
    # `candidate` held the talk and two inspections, then became a candidate: nothing is
    # due until the notice or the congress.
    assert calendar.due_items(users[Role.BRANCH_SECRETARY], today=date(2025, 4, 1)) == []


def _queries(user, today):
    with CaptureQueriesContext(connection) as ctx:
        items = calendar.due_items(user, today=today)
    return len(ctx), items


def test_the_selector_makes_the_same_number_of_queries_for_1_and_10_dossiers(tree, users, apply):
    user = users[Role.ORG_DEPARTMENT]
    today = timezone.localdate()
    apply(tree.branch1, "孙零", today - timedelta(days=3))
    calendar.due_items(user, today=today)  # the user's scope is read once and kept
    one, items = _queries(user, today)
    assert len(items) == 1
    for i, branch in enumerate([tree.branch1, tree.branch2, tree.office_branch] * 3):
        apply(branch, f"孙{'一二三四五六七八九'[i]}", today - timedelta(days=i))
    ten, items = _queries(user, today)
    assert len(items) == 10
    assert ten == one <= 3


# --- the home page's to-do ----------------------------------------------------------------------


def test_the_branch_secretary_sees_the_branchs_overdue_talk_not_another_mines(overdue, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.get(reverse("ui:home"))
    todo = response.context["todo"]
    assert [(i.person_name, i.code, i.severity) for i in todo] == [("周申请", "application_talk", "overdue")]
    page = response.content.decode()
    assert "已逾期" in page and "派人同入党申请人谈话" in page
    assert reverse("admission:detail", args=[overdue[0].pk]) in page
    assert "吴申请" not in page


@pytest.mark.parametrize(
    ("role", "names"),
    [
        (Role.ORG_DEPARTMENT, {"周申请", "吴申请"}),
        (Role.COMMITTEE_SECRETARY, {"周申请"}),
        (Role.BRANCH_COMMITTEE_MEMBER, {"周申请"}),
    ],
)
def test_each_role_sees_the_dues_of_its_scope(overdue, users, client, role, names):
    client.force_login(users[role])
    todo = client.get(reverse("ui:home")).context["todo"]
    assert {i.person_name for i in todo} == names


@pytest.mark.parametrize("role", [Role.GROUP_LEADER, "member", "outsider_member"])
def test_roles_without_admission_see_no_to_do_and_no_one_elses_dues(overdue, users, client, role):
    client.force_login(users[role])
    response = client.get(reverse("ui:home"))
    page = response.content.decode()
    assert "todo" not in response.context
    assert "待办事项" not in page and "周申请" not in page and "吴申请" not in page


def test_the_to_do_says_when_nothing_is_due(tree, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    page = client.get(reverse("ui:home")).content.decode()
    assert "待办事项" in page and "没有逾期或 30 天内到期的发展党员事项" in page


def test_the_to_do_leaves_out_what_is_not_yet_due(tree, users, client, apply):
    # Applied five days ago: the talk falls due a month later, inside the 30-day window
    # whatever the month's length (applied today, it is 31 days away after a long month);
    # a dossier with nothing due for months is not listed.
    apply(tree.branch1, "郑今天", timezone.localdate() - timedelta(days=5))
    client.force_login(users[Role.BRANCH_SECRETARY])
    (item,) = client.get(reverse("ui:home")).context["todo"]
    assert item.person_name == "郑今天" and item.severity in ("soon", "upcoming")


# --- the calendar --------------------------------------------------------------------------------


def _month(d):
    return f"{d:%Y-%m}"


def test_the_branch_calendar_shows_each_due_item_on_its_day_with_a_link(overdue, tree, users, client):
    talk_due = calendar.due_items(users[Role.BRANCH_SECRETARY], today=timezone.localdate())[0].due
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.get(
        reverse("admission:calendar"), {"branch": tree.branch1.pk, "month": _month(talk_due)}
    )
    assert response.status_code == 200
    cal = response.context["cal"]
    (day,) = cal["days"]
    assert day["date"] == talk_due and [i.person_name for i in day["items"]] == ["周申请"]
    page = response.content.decode()
    assert reverse("admission:detail", args=[overdue[0].pk]) in page
    assert "吴申请" not in page and cal["overdue"] == 1


def test_a_month_without_dues_says_so(overdue, tree, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.get(reverse("admission:calendar"), {"branch": tree.branch1.pk, "month": "2030-01"})
    assert response.context["cal"]["count"] == 0
    assert response.content.decode().count("本月没有到期事项") == 1  # said once, not twice on a phone


def test_the_scope_calendar_of_the_org_department_covers_every_branch(overdue, users, client):
    talk_due = calendar.due_items(users[Role.ORG_DEPARTMENT], today=timezone.localdate())[0].due
    client.force_login(users[Role.ORG_DEPARTMENT])
    response = client.get(reverse("admission:calendar"), {"month": _month(talk_due)})
    assert {i.person_name for d in response.context["cal"]["days"] for i in d["items"]} == {
        "周申请",
        "吴申请",
    }


@pytest.mark.parametrize("branch", ["other", "abc", "999999"])
def test_a_branch_outside_the_scope_is_not_found(overdue, tree, users, client, branch):
    client.force_login(users[Role.BRANCH_SECRETARY])
    pk = {"other": tree.branch2.pk, "abc": "abc", "999999": 999999}[branch]
    assert client.get(reverse("admission:calendar"), {"branch": pk}).status_code == 404


@pytest.mark.parametrize("month", ["", "2026-13", "abc", "0000-01", "9999-12", "2026-11-05"])
def test_an_unreadable_month_shows_this_month(tree, users, client, month):
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.get(reverse("admission:calendar"), {"month": month})
    assert response.status_code == 200
    assert response.context["cal"]["first"] == timezone.localdate().replace(day=1)


def test_the_month_grid_starts_on_monday_and_covers_the_month(tree, users):
    cal = calendar.month(
        users[Role.BRANCH_SECRETARY],
        first=date(2026, 2, 1),
        today=date(2026, 2, 10),
        branch_id=tree.branch1.pk,
    )
    days = [d["date"] for week in cal["weeks"] for d in week]
    assert days[0] == date(2026, 1, 26) and days[0].weekday() == 0
    assert {d for d in days if d.month == 2} == {date(2026, 2, n) for n in range(1, 29)}
    assert (cal["previous"], cal["next"]) == ("2026-01", "2026-03")


@pytest.mark.parametrize("role", [Role.GROUP_LEADER, "member"])
def test_roles_without_admission_cannot_open_the_calendar(tree, users, client, role):
    client.force_login(users[role])
    assert client.get(reverse("admission:calendar")).status_code == 403


def test_the_cached_to_do_changes_as_soon_as_a_step_is_recorded(overdue, users, client):
    from vanguard.admission import services
    from vanguard.admission.models import StepKind

    client.force_login(users[Role.BRANCH_SECRETARY])
    assert [i.code for i in client.get(reverse("ui:home")).context["todo"]] == ["application_talk"]
    dossier = overdue[0]
    services.record_step(
        dossier=dossier,
        step=services.StepInput(kind=StepKind.APPLICATION_TALK, on=dossier.opened_on + timedelta(days=5)),
        acting_user=users[Role.BRANCH_SECRETARY],
    )
    assert "application_talk" not in [i.code for i in client.get(reverse("ui:home")).context["todo"]]


def test_the_to_do_is_cached_between_visits(overdue, users, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users[Role.ORG_DEPARTMENT])
    client.get(reverse("ui:home"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("ui:home"))
    assert not any(
        "admission_step" in q["sql"] and "SELECT" in q["sql"] and "MAX" not in q["sql"] for q in ctx
    )
