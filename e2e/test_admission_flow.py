"""The party committee tries to approve a candidate whose dossier is incomplete: the
page refuses, names each broken rule with its 五查 number and dates, and writes nothing."""

from datetime import date

import pytest
from playwright.sync_api import expect

from vanguard.accounts.models import Role
from vanguard.admission import services
from vanguard.admission.models import Stage, Step, StepKind
from vanguard.admission.tests.journey import TO_APPROVAL, TO_CANDIDATE, walk
from vanguard.people.models import Person

from .test_register_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def candidate(tree, users, make_person):
    person = make_person(
        tree.branch1,
        name="赵申请",
        birth_date=date(1996, 4, 2),
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    mentors = [Person.objects.get(name="李党员"), make_person(tree.branch1, name="钱正式")]
    dossier = services.open_dossier(
        person=person, on=date(2024, 1, 10), acting_user=users[Role.BRANCH_SECRETARY]
    )
    walk(dossier, TO_CANDIDATE, mentors, users)
    # Reviews and training, but no public notice, pre-review, congress or committee talk.
    steps = [
        s
        for s in TO_APPROVAL
        if s[0]
        in (StepKind.SPONSORS, StepKind.POLITICAL_REVIEW, StepKind.TRAINING, StepKind.COMMITTEE_REVIEW)
    ]
    walk(dossier, steps, mentors, users)
    return dossier


def test_the_committee_is_refused_approval_and_told_why(live_server, candidate, page, shot, printed_pages):
    login(page, live_server.url, "mine1_organizer")
    page.get_by_role("link", name="发展党员").click()
    expect(page.locator("#pipeline-board")).to_contain_text("综采一队党支部")
    page.goto(f"{live_server.url}/admission/{candidate.pk}/")
    check = page.locator("#approval-check")
    expect(check).to_contain_text("党委暂不能审批")
    expect(check).to_contain_text("二查预审")
    expect(check).to_contain_text("五查会议记录")
    shot(page, "dossier-refused")
    assert printed_pages(page) == 1  # the dossier checklist prints on one A4 page

    page.get_by_role("link", name="党委审批").click()
    page.get_by_label("日期").fill("2025-06-20")
    page.get_by_role("button", name="记录").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("不能记录，原因如下")
    expect(alert).to_contain_text("公示")
    expect(alert).to_contain_text("预审")
    expect(alert).to_contain_text("支部党员大会")
    shot(page, "approval-refused")
    assert not Step.objects.filter(dossier=candidate, kind=StepKind.APPROVAL).exists()
    candidate.refresh_from_db()
    assert candidate.stage == Stage.CANDIDATE
