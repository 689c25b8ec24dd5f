"""The admission pages: the board, the dossier as a checklist with the approval check,
and recording a step (including a refusal that says why)."""

from datetime import date

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.admission.models import Dossier, Stage, Step, StepKind
from vanguard.admission.tests.journey import TO_APPROVAL, walk

pytestmark = pytest.mark.django_db


def test_board_counts_each_stage_per_branch(candidate, users, client):
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    response = client.get(reverse("admission:board"))
    board = response.context["board"]
    assert dict(board["summary"])["发展对象"] == 1
    (line,) = board["lines"]
    assert line["org"].name == "综采一队党支部"
    assert "赵申请" in response.content.decode()


def test_board_query_count_does_not_grow_with_the_data(candidate, users, client, tree, make_person):
    from vanguard.admission.services import open_dossier

    client.force_login(users[Role.ORG_DEPARTMENT])
    client.get(reverse("admission:board"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(reverse("admission:board"))
    for i, branch in enumerate([tree.branch1, tree.branch2, tree.office_branch] * 3):
        p = make_person(
            branch,
            name=f"孙{'一二三四五六七八九'[i]}",
            political_status="worker",
            application_date=None,
            join_date=None,
            full_member_date=None,
        )
        open_dossier(person=p, on=date(2025, 1, 2), acting_user=None)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("admission:board"))
    assert len(after) == len(before)


def test_dossier_page_shows_why_the_committee_cannot_approve(candidate, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    page = client.get(reverse("admission:detail", args=[candidate.pk])).content.decode()
    assert "党委暂不能审批" in page
    assert "一查记录" not in page  # a year of cultivation was kept
    assert "二查预审" in page and "五查会议记录" in page


def test_recording_approval_that_breaks_the_rules_is_refused_with_reasons(candidate, mentors, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    response = client.post(reverse("admission:record", args=[candidate.pk, "approval"]), {"on": "2025-06-20"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "不能记录，原因如下" in page
    assert "入党介绍人" in page
    assert not Step.objects.filter(dossier=candidate, kind=StepKind.APPROVAL).exists()
    assert Dossier.objects.get(pk=candidate.pk).stage == Stage.CANDIDATE


def test_recording_a_training_step_through_the_form(candidate, mentors, users, client):
    walk(candidate, TO_APPROVAL[:2], mentors, users)
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.post(
        reverse("admission:record", args=[candidate.pk, "training"]),
        {
            "on": "2025-04-10",
            "days": "",
            "hours": "24",
            "knowledge_passed": "yes",
            "document": "结业证书 2025-07",
        },
    )
    assert response.status_code == 302
    step = Step.objects.get(dossier=candidate, kind=StepKind.TRAINING)
    assert step.data == {"days": None, "hours": 24, "knowledge_passed": True}
    assert step.recorded_by == users[Role.BRANCH_SECRETARY]


def test_the_form_names_fields_with_bad_input(candidate, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    response = client.post(reverse("admission:record", args=[candidate.pk, "training"]), {"on": "2025-13-01"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "日期：应为 YYYY-MM-DD 格式的日期" in page
    assert "培训天数：请填写培训天数或学时" in page


def test_branch_cannot_reach_the_committee_steps(candidate, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    assert client.get(reverse("admission:record", args=[candidate.pk, "approval"])).status_code == 404


def test_opening_a_dossier_from_the_member_card(applicant, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    card = client.get(reverse("people:detail", args=[applicant.pk])).content.decode()
    assert "递交入党申请" in card
    response = client.post(reverse("admission:open", args=[applicant.pk]), {"on": "2025-03-03"})
    dossier = Dossier.objects.get(person=applicant)
    assert response.url == reverse("admission:detail", args=[dossier.pk])
    applicant.refresh_from_db()
    assert applicant.political_status == "applicant" and applicant.application_date == date(2025, 3, 3)


def test_next_steps_offer_only_what_is_not_yet_recorded(candidate, mentors, users, client):
    client.force_login(users[Role.COMMITTEE_ORGANIZER])
    url = reverse("admission:detail", args=[candidate.pk])
    assert StepKind.SPONSORS in client.get(url).context["allowed"]
    walk(candidate, TO_APPROVAL[:1], mentors, users)
    allowed = client.get(url).context["allowed"]
    assert StepKind.SPONSORS not in allowed
    assert StepKind.POLITICAL_REVIEW in allowed and StepKind.APPROVAL in allowed


def test_the_enterprise_board_rolls_up_to_the_mines_and_drills_down(candidate, users, client, tree):
    client.force_login(users[Role.ORG_DEPARTMENT])
    board = client.get(reverse("admission:board")).context["board"]
    assert [line["org"].name for line in board["lines"]] == ["一矿党委"]
    mine = client.get(reverse("admission:board"), {"org": tree.mine1.pk})
    assert [line["org"].name for line in mine.context["board"]["lines"]] == ["综采一队党支部"]
    assert [d.person.name for d in mine.context["page"]] == ["赵申请"]
    other = client.get(reverse("admission:board"), {"org": tree.mine2.pk})
    assert other.context["board"]["lines"] == [] and list(other.context["page"]) == []


def test_a_branch_secretary_sees_the_branch_as_its_one_line(candidate, users, client):
    client.force_login(users[Role.BRANCH_SECRETARY])
    board = client.get(reverse("admission:board")).context["board"]
    assert [line["org"].name for line in board["lines"]] == ["综采一队党支部"]


def test_the_board_of_an_organisation_outside_the_scope_is_not_found(candidate, users, client, tree):
    client.force_login(users[Role.COMMITTEE_SECRETARY])
    assert client.get(reverse("admission:board"), {"org": tree.mine2.pk}).status_code == 404
