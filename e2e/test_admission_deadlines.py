"""The branch secretary opens the home page and sees an application talk that is
overdue, follows it to the dossier, then looks at the branch's calendar on a desktop
and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from vanguard.accounts.models import Role
from vanguard.admission import rules, services
from vanguard.admission.models import StepKind
from vanguard.admission.tests.journey import member_ref, record
from vanguard.people.models import Person

from .test_register_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dues(tree, users, make_person):
    today = timezone.localdate()

    def applicant(name, applied):
        person = make_person(
            tree.branch1,
            name=name,
            political_status="worker",
            application_date=None,
            join_date=None,
            full_member_date=None,
        )
        return services.open_dossier(person=person, on=applied, acting_user=None)

    late = applicant("周申请", today - timedelta(days=35))  # the talk was due 4 days ago
    applicant("郑新申", today - timedelta(days=20))
    # An activist whose half-yearly inspection falls due in three days.
    activist_on = rules.add_months(today, -6) + timedelta(days=3)
    activist = applicant("冯积极", activist_on - timedelta(days=40))
    secretary = users[Role.BRANCH_SECRETARY]
    record(activist, StepKind.APPLICATION_TALK, activist_on - timedelta(days=30), secretary)
    mentor = Person.objects.get(name="李党员")
    record(activist, StepKind.ACTIVIST, activist_on, secretary, mentors=[member_ref(mentor)])
    # In 二矿: not the secretary's business.
    person = make_person(
        tree.branch2,
        name="吴申请",
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    services.open_dossier(person=person, on=today - timedelta(days=35), acting_user=None)
    return late


def test_the_branch_secretary_sees_an_overdue_talk_on_the_home_page(live_server, tree, dues, page, shot):
    login(page, live_server.url, "branch1_secretary")
    todo = page.locator("#todo")
    first = todo.locator("tbody tr").first
    expect(first).to_contain_text("已逾期")
    expect(first).to_contain_text("周申请")
    expect(first).to_contain_text("派人同入党申请人谈话")
    expect(todo).to_contain_text("冯积极")
    expect(todo).not_to_contain_text("吴申请")
    shot(page, "home-todo")

    first.get_by_role("link", name="周申请").click()
    expect(page.locator("#dossier")).to_contain_text("发展党员档案：周申请")

    page.goto(f"{live_server.url}/admission/calendar/?branch={tree.branch1.pk}")
    grid = page.locator("#calendar-grid")
    expect(grid).to_be_visible()
    expect(grid).to_contain_text("冯积极")
    shot(page, "admission-calendar")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(grid).to_be_hidden()
    expect(page.locator("#calendar-list")).to_be_visible()
    expect(page.locator("#calendar-list")).to_contain_text("半年一次的培养考察")
    shot(page, "admission-calendar-phone")
