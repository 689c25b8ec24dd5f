"""The monthly assessment pages: the branch's month, adding an entry, close → publish →
archive, amendments shown beside the result, the penalty export, the rules page."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.assessment import services
from vanguard.assessment.models import MonthClose, MonthlyResult, ScoreEntry, ScoringRules
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

TODAY = timezone.localdate()
MONTH = TODAY.strftime("%Y-%m")


@pytest.fixture
def member(users):
    return Person.objects.get(name="李党员")


@pytest.fixture
def violation(tree):
    rules = services.ensure_default_rules(organization=tree.branch1)
    return rules.items.get(name__startswith="三违")


def page(client, tree, branch=None):
    return client.get(reverse("assessment:index"), {"branch": (branch or tree.branch1).pk, "month": MONTH})


def test_the_branch_secretary_sees_the_month_and_records(login, tree, users, member, violation):
    client = login(users[Role.BRANCH_SECRETARY])
    assert "记录考评" in page(client, tree).content.decode()
    answer = client.post(
        reverse("assessment:add_entry"),
        {
            "branch": tree.branch1.pk,
            "month": MONTH,
            "person": member.pk,
            "item": violation.pk,
            "on": TODAY,
            "evidence": "井下未戴自救器",
        },
    )
    assert answer.status_code == 302
    assert "井下未戴自救器" in page(client, tree).content.decode()


def test_a_wrong_sign_is_shown_not_saved(login, tree, users, member, violation):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    answer = client.post(
        reverse("assessment:add_entry"),
        {
            "branch": tree.branch1.pk,
            "month": MONTH,
            "person": member.pk,
            "item": violation.pk,
            "on": TODAY,
            "points": "5",
        },
    )
    assert answer.status_code == 422 and "扣分" in answer.content.decode()
    assert ScoreEntry.objects.count() == 0


def test_a_branch_outside_the_scope_is_not_found(login, tree, users):
    client = login(users[Role.BRANCH_SECRETARY])
    assert page(client, tree, tree.branch2).status_code == 404
    answer = client.post(reverse("assessment:close"), {"branch": tree.branch2.pk, "month": MONTH})
    assert answer.status_code == 404 and not MonthClose.objects.exists()


def test_a_group_leader_sees_only_the_group(login, tree, users, member, make_person, violation):
    other = make_person(tree.branch1, name="赵二组", group=tree.group2)
    services.record_entry(person=other, item=violation, on=TODAY, acting_user=None)
    services.record_entry(person=member, item=violation, on=TODAY, acting_user=None)
    body = page(login(users[Role.GROUP_LEADER]), tree).content.decode()
    assert "李党员" in body and "赵二组" not in body


def _close_publish_archive(client, tree, capture):
    data = {"branch": tree.branch1.pk, "month": MONTH}
    for _ in range(2):  # twice: still one set (the job runs in-process after commit)
        with capture(execute=True):
            client.post(reverse("assessment:close"), data)
    client.post(reverse("assessment:publish"), data)
    close = MonthClose.objects.get()
    # the objection window has passed
    MonthClose.objects.filter(pk=close.pk).update(objection_until=TODAY - timedelta(days=1))
    client.post(reverse("assessment:archive"), data)
    return MonthClose.objects.get()


def test_close_publish_archive_through_the_pages(
    login, tree, users, member, violation, django_capture_on_commit_callbacks
):
    services.record_entry(person=member, item=violation, on=TODAY, acting_user=None)
    client = login(users[Role.BRANCH_SECRETARY])
    close = _close_publish_archive(client, tree, django_capture_on_commit_callbacks)
    assert close.state == "archived"
    assert MonthlyResult.objects.filter(close=close).count() == 1
    r = MonthlyResult.objects.get()
    assert r.score == D("90.0")
    # nothing changes it through a page: closing again is refused, recording too
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessment:close"), {"branch": tree.branch1.pk, "month": MONTH})
    client.post(
        reverse("assessment:add_entry"),
        {"branch": tree.branch1.pk, "month": MONTH, "person": member.pk, "item": violation.pk, "on": TODAY},
    )
    assert MonthlyResult.objects.get().score == D("90.0") and ScoreEntry.objects.count() == 1
    # the branch secretary cannot amend; the committee can, and both rows show
    client.post(reverse("assessment:amend"), {"result": r.pk, "score": "60", "reason": "x"})
    committee = login(users[Role.COMMITTEE_SECRETARY])
    committee.post(reverse("assessment:amend"), {"result": r.pk, "score": "70", "reason": "补记一次三违"})
    body = page(committee, tree).content.decode()
    assert "更正为 70.0" in body and "补记一次三违" in body and "90.0" in body
    assert r.amendments.count() == 1


def test_the_penalty_list_exports_and_is_audited(login, tree, users, member, violation):
    for _ in range(3):
        services.record_entry(person=member, item=violation, on=TODAY, acting_user=None)
    services.close_month(branch=tree.branch1, month=TODAY, acting_user=None)
    client = login(users[Role.BRANCH_SECRETARY])
    answer = client.get(reverse("assessment:penalties_export"), {"branch": tree.branch1.pk, "month": MONTH})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxml")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(b"".join(answer.streaming_content))).active
    rows = list(ws.values)
    assert rows[2] == ("李党员", "第一党小组", "70.0", 100)
    assert AuditEntry.objects.filter(action="export", summary__contains="处罚名单").exists()


def test_the_rules_page_shows_versions_and_makes_a_new_one(login, tree, users, violation):
    client = login(users[Role.BRANCH_SECRETARY])
    body = client.get(reverse("assessment:rules"), {"org": tree.branch1.pk}).content.decode()
    assert "三违" in body and "制定新版本" in body
    next_month = (TODAY.replace(day=28) + timedelta(days=4)).replace(day=1)
    client.post(
        reverse("assessment:rules_new"),
        {
            "org": tree.branch1.pk,
            "effective_from": next_month.strftime("%Y-%m"),
            "base": "100",
            "floor": "0",
            "cap": "110",
            "pass_mark": "85",
            "penalty": "50",
            "items": "三违, -15, 30\n安全标兵, 5,",
        },
    )
    own = ScoringRules.objects.get(organization=tree.branch1)
    assert own.pass_mark == 85 and own.items.count() == 2 and own.effective_from == next_month
    assert client.post(reverse("assessment:rules_new"), {"org": tree.mine1.pk}).status_code == 404


def _count_queries(client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert page(client, tree).status_code == 200
    return len(ctx.captured_queries)


def test_the_month_page_has_a_constant_query_count(login, tree, users, member, make_person, violation):
    client = login(users[Role.COMMITTEE_SECRETARY])
    services.record_entry(person=member, item=violation, on=TODAY, acting_user=None)
    services.close_month(branch=tree.branch1, month=TODAY, acting_user=None)
    few = _count_queries(client, tree)
    for i in range(5):
        p = make_person(tree.branch1, name="党员" + "甲乙丙丁戊"[i], group=tree.group2)
        services.record_entry(person=p, item=violation, on=TODAY, acting_user=None)
    services.close_month(branch=tree.branch1, month=TODAY, acting_user=None)
    assert _count_queries(client, tree) == few
