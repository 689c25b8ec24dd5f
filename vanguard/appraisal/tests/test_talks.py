"""挂旗: the talks with members at yellow or below (seed 004: 对挂黄旗以下的党员进行谈话,指出
存在问题 …), from the task to the close (销号), and their pages."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Post, Role, User
from vanguard.appraisal import talks
from vanguard.appraisal.models import ReadOnly, Talk, TalkEntry, TalkEntryKind, TalkState
from vanguard.appraisal.tests.factories import make_cycle, make_members, make_results
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

PUBLISHED = date(2026, 1, 10)
TODAY = date(2026, 2, 1)


@pytest.fixture
def cycle(tree):
    return make_cycle(tree.mine1, published_on=PUBLISHED)


@pytest.fixture
def flagged(tree, users, make_person, cycle):
    """综采一队: 钱红 95 red, 李党员 (第一党小组) 85 yellow, 吴蓝 (第二党小组) 75 blue, 郑灰 60 grey."""
    lee = Person.objects.get(name="李党员")
    people = {
        "red": make_person(tree.branch1, name="钱红", group=tree.group1),
        "yellow": lee,
        "blue": make_person(tree.branch1, name="吴蓝", group=tree.group2),
        "grey": make_person(tree.branch1, name="郑灰", group=tree.group2),
    }
    make_results(cycle, [(people["red"], 95), (lee, 85), (people["blue"], 75), (people["grey"], 60)])
    return people


@pytest.fixture
def talk(flagged, cycle, users):
    talks.create_talks_for(cycle=cycle, acting_user=users[Role.BRANCH_SECRETARY])
    return Talk.objects.get(person=flagged["yellow"])


@pytest.fixture
def talked(talk, users):
    talks.record_talk(
        talk=talk,
        on=date(2026, 1, 20),
        pointed_out="班前会发言少，带头作用不明显",
        will_change="每周在班前会讲一次安全要点",
        acting_user=users[Role.BRANCH_SECRETARY],
        today=TODAY,
    )
    talk.refresh_from_db()
    return talk


# --- creating the tasks ---------------------------------------------------------------------


def test_every_member_at_yellow_or_below_gets_one_talk(tree, users, cycle, flagged):
    created = talks.create_talks_for(cycle=cycle, acting_user=None)
    assert created == 3
    assert set(Talk.objects.values_list("person__name", flat=True)) == {"李党员", "吴蓝", "郑灰"}
    t = Talk.objects.get(person=flagged["grey"])
    assert t.assignee == users[Role.BRANCH_SECRETARY]
    assert t.due == PUBLISHED + timedelta(days=talks.TALK_DAYS)
    assert t.state == TalkState.OPEN and t.branch == tree.branch1 and t.result.flag == "grey"


def test_creating_the_talks_again_creates_nothing_twice(cycle, flagged):
    talks.create_talks_for(cycle=cycle, acting_user=None)
    assert talks.create_talks_for(cycle=cycle, acting_user=None) == 0
    assert Talk.objects.count() == 3
    assert AuditEntry.objects.filter(action="appraisal.talks_created").count() == 1


def test_the_talks_of_one_branch_only(tree, cycle, flagged, make_person):
    other = make_person(tree.office_branch, name="冯机关")
    make_results(cycle, [(other, 70)])
    assert talks.create_talks_for(cycle=cycle, branch=tree.office_branch, acting_user=None) == 1
    assert list(Talk.objects.values_list("person__name", flat=True)) == ["冯机关"]


def test_a_vacant_secretary_post_leaves_the_talk_unassigned(tree, users, cycle, flagged):
    Post.objects.filter(role=Role.BRANCH_SECRETARY, organization=tree.branch1).update(
        ended_on=date(2025, 12, 31)
    )
    talks.create_talks_for(cycle=cycle, acting_user=None)
    assert set(Talk.objects.values_list("assignee", flat=True)) == {None}


# --- the life of a talk ---------------------------------------------------------------------


def test_recording_the_talk_moves_it_to_followed_up(talked, users):
    (entry,) = talked.entries.all()
    assert talked.state == TalkState.TALKED
    assert (entry.kind, entry.on, entry.talker) == (
        TalkEntryKind.TALK,
        date(2026, 1, 20),
        users[Role.BRANCH_SECRETARY],
    )
    assert entry.pointed_out.startswith("班前会") and entry.will_change.startswith("每周")
    assert AuditEntry.objects.filter(action="appraisal.talk_recorded", object_id=str(talked.pk)).exists()


@pytest.mark.parametrize(
    ("on", "pointed_out", "will_change", "message"),
    [
        (date(2026, 1, 20), "", "改", "指出的问题：必须填写"),
        (date(2026, 1, 20), "问题", "  ", "整改措施：必须填写"),
        (None, "问题", "改", "日期：必须填写"),
        (date(2026, 2, 2), "问题", "改", "日期：不能晚于今天"),
        (date(2026, 1, 9), "问题", "改", "日期：不能早于考核结果公示日期（2026-01-10）"),
    ],
)
def test_a_talk_needs_its_date_and_both_texts(talk, users, on, pointed_out, will_change, message):
    with pytest.raises(DomainError) as caught:
        talks.record_talk(
            talk=talk,
            on=on,
            pointed_out=pointed_out,
            will_change=will_change,
            acting_user=users[Role.BRANCH_SECRETARY],
            today=TODAY,
        )
    assert any(m.startswith(message) for m in caught.value.messages), caught.value.messages
    talk.refresh_from_db()
    assert talk.state == TalkState.OPEN and not talk.entries.exists()


def test_both_missing_texts_are_named_at_once(talk, users):
    with pytest.raises(DomainError) as caught:
        talks.record_talk(
            talk=talk,
            on=TODAY,
            pointed_out="",
            will_change="",
            acting_user=users[Role.BRANCH_SECRETARY],
            today=TODAY,
        )
    assert {p.field for p in caught.value.problems} == {"指出的问题", "整改措施"}


def test_a_committee_member_of_the_branch_may_record(talk, users):
    talks.record_talk(
        talk=talk,
        on=TODAY,
        pointed_out="问题",
        will_change="改",
        acting_user=users[Role.BRANCH_COMMITTEE_MEMBER],
        today=TODAY,
    )
    assert Talk.objects.get(pk=talk.pk).state == TalkState.TALKED


@pytest.mark.parametrize("who", [Role.GROUP_LEADER, Role.COMMITTEE_SECRETARY, "member"])
def test_nobody_else_records_a_talk(talk, users, who):
    with pytest.raises(DomainError, match="谈话人：只有本支部书记"):
        talks.record_talk(
            talk=talk, on=TODAY, pointed_out="问题", will_change="改", acting_user=users[who], today=TODAY
        )


def test_follow_ups_then_the_close(talked, users):
    secretary = users[Role.BRANCH_SECRETARY]
    talks.add_follow_up(
        talk=talked, on=date(2026, 1, 27), note="已在班前会发言两次", acting_user=secretary, today=TODAY
    )
    talks.close_talk(talk=talked, on=TODAY, note="整改到位", acting_user=secretary, today=TODAY)
    talked.refresh_from_db()
    assert talked.state == TalkState.CLOSED and talked.closed_by == secretary and talked.closed_at
    assert list(talked.entries.values_list("kind", flat=True)) == ["talk", "follow_up", "close"]
    assert AuditEntry.objects.filter(action="appraisal.talk_closed").count() == 1


def test_a_follow_up_is_not_dated_before_the_talk(talked, users):
    with pytest.raises(DomainError, match="日期：不能早于上一次记录（2026-01-20）"):
        talks.add_follow_up(
            talk=talked,
            on=date(2026, 1, 19),
            note="看过",
            acting_user=users[Role.BRANCH_SECRETARY],
            today=TODAY,
        )


def test_there_is_no_follow_up_or_close_before_the_talk(talk, users):
    with pytest.raises(DomainError, match=r"状态：.*请先记录谈话"):
        talks.add_follow_up(
            talk=talk, on=TODAY, note="看过", acting_user=users[Role.BRANCH_SECRETARY], today=TODAY
        )
    with pytest.raises(DomainError, match=r"状态：.*请先记录谈话"):
        talks.close_talk(
            talk=talk, on=TODAY, note="好", acting_user=users[Role.BRANCH_SECRETARY], today=TODAY
        )


def test_a_closed_talk_takes_nothing_more(talked, users):
    secretary = users[Role.BRANCH_SECRETARY]
    talks.close_talk(talk=talked, on=TODAY, note="整改到位", acting_user=secretary, today=TODAY)
    for write in (
        lambda: talks.add_follow_up(talk=talked, on=TODAY, note="再看", acting_user=secretary, today=TODAY),
        lambda: talks.close_talk(talk=talked, on=TODAY, note="再销", acting_user=secretary, today=TODAY),
        lambda: talks.record_talk(
            talk=talked, on=TODAY, pointed_out="a", will_change="b", acting_user=secretary, today=TODAY
        ),
        lambda: talks.reassign(
            talk=talked, assignee=users[Role.BRANCH_COMMITTEE_MEMBER], acting_user=secretary
        ),
    ):
        with pytest.raises(DomainError, match="状态：谈话任务已销号"):
            write()
    assert talked.entries.count() == 2


def test_talk_entries_never_change(talked):
    entry = talked.entries.get()
    entry.pointed_out = "改过"
    with pytest.raises(ReadOnly):
        entry.save()
    with pytest.raises(ReadOnly):
        entry.delete()
    assert TalkEntry.objects.get(pk=entry.pk).pointed_out.startswith("班前会")


# --- assigning ------------------------------------------------------------------------------


def test_the_secretary_hands_the_talk_to_a_committee_member(talk, users):
    talks.reassign(
        talk=talk, assignee=users[Role.BRANCH_COMMITTEE_MEMBER], acting_user=users[Role.BRANCH_SECRETARY]
    )
    assert Talk.objects.get(pk=talk.pk).assignee == users[Role.BRANCH_COMMITTEE_MEMBER]
    assert AuditEntry.objects.filter(action="appraisal.talk_assigned").exists()


def test_a_talk_goes_only_to_the_branch_committee(talk, users):
    with pytest.raises(DomainError, match="谈话人：group1_leader 不是综采一队党支部的书记或支部委员"):
        talks.reassign(talk=talk, assignee=users[Role.GROUP_LEADER], acting_user=users[Role.BRANCH_SECRETARY])


def test_a_committee_member_does_not_reassign(talk, users):
    with pytest.raises(DomainError, match="谈话人：只有党支部书记可以指派"):
        talks.reassign(
            talk=talk,
            assignee=users[Role.BRANCH_COMMITTEE_MEMBER],
            acting_user=users[Role.BRANCH_COMMITTEE_MEMBER],
        )


# --- pages ----------------------------------------------------------------------------------


def test_the_secretary_records_a_talk_through_the_page(talk, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    today = timezone.localdate()
    response = client.post(
        reverse("appraisal:talk_record", args=[talk.pk]),
        {"on": today.isoformat(), "pointed_out": "学习不主动", "will_change": "每月读一本书"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "谈话已记录" in html and "学习不主动" in html and "每月读一本书" in html
    assert 'id="follow-up-form"' in html and 'id="close-form"' in html and 'id="record-form"' not in html


def test_a_missing_text_is_named_on_the_page(talk, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    response = client.post(
        reverse("appraisal:talk_record", args=[talk.pk]),
        {"on": timezone.localdate().isoformat(), "pointed_out": "学习不主动", "will_change": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "整改措施：必须填写" in html and "学习不主动" in html  # what was typed stays
    assert not TalkEntry.objects.exists()


def test_the_secretary_reassigns_through_the_page(talk, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    committee = users[Role.BRANCH_COMMITTEE_MEMBER]
    client.post(reverse("appraisal:talk_assign", args=[talk.pk]), {"assignee": committee.pk})
    assert Talk.objects.get(pk=talk.pk).assignee == committee


@pytest.mark.parametrize("who", ["member", Role.GROUP_LEADER, Role.ORG_DEPARTMENT])
def test_who_may_not_record_gets_403(talk, users, login, who):
    response = login(users[who]).post(
        reverse("appraisal:talk_record", args=[talk.pk]),
        {"on": "2026-01-20", "pointed_out": "a", "will_change": "b"},
    )
    assert response.status_code == 403 and not TalkEntry.objects.exists()


def test_a_talk_of_another_branch_is_not_found(tree, users, login, make_person):
    other_secretary = User.objects.create_user(username="branch2_secretary", password="x")
    Post.objects.create(user=other_secretary, role=Role.BRANCH_SECRETARY, organization=tree.branch2)
    cycle = make_cycle(tree.mine1)
    make_results(cycle, [(Person.objects.get(name="李党员"), 70)])
    talks.create_talks_for(cycle=cycle, acting_user=None)
    t = Talk.objects.get()
    client = login(other_secretary)
    assert client.get(reverse("appraisal:talk", args=[t.pk])).status_code == 404
    response = client.post(
        reverse("appraisal:talk_record", args=[t.pk]),
        {"on": "2026-01-20", "pointed_out": "a", "will_change": "b"},
    )
    assert response.status_code == 404 and not TalkEntry.objects.exists()


def test_the_talk_list_marks_overdue_talks(tree, users, login, make_person):
    cycle = make_cycle(tree.mine1, published_on=timezone.localdate() - timedelta(days=40))
    lee = Person.objects.get(name="李党员")
    make_results(cycle, [(lee, 82), (make_person(tree.branch1, name="钱红"), 95)])
    talks.create_talks_for(cycle=cycle, acting_user=None)
    html = login(users[Role.BRANCH_SECRETARY]).get(reverse("appraisal:talks")).content.decode()
    (row,) = re.findall(r'<tr data-state="open" class="overdue">(.*?)</tr>', html, re.S)
    assert "李党员" in row and "已逾期" in row and "黄旗" in row
    assert "钱红" not in html


def test_a_group_leader_sees_the_talks_of_their_group_only(talk, flagged, users, login):
    html = login(users[Role.GROUP_LEADER]).get(reverse("appraisal:talks")).content.decode()
    assert "李党员" in html and "吴蓝" not in html and "郑灰" not in html
    detail = login(users[Role.GROUP_LEADER]).get(reverse("appraisal:talk", args=[talk.pk])).content.decode()
    assert 'id="record-form"' not in detail and 'id="assign-form"' not in detail


def test_the_talk_list_can_show_one_state(talked, flagged, users, login):
    html = (
        login(users[Role.BRANCH_SECRETARY]).get(reverse("appraisal:talks") + "?state=talked").content.decode()
    )
    assert "李党员" in html and "吴蓝" not in html


@pytest.mark.parametrize("size", [2, 12])
def test_the_talk_list_takes_a_constant_number_of_queries(
    tree, users, login, make_person, django_assert_num_queries, size
):
    cycle = make_cycle(tree.mine1)
    make_results(cycle, [(p, 75) for p in make_members(make_person, tree.branch1, [tree.group1], size)])
    talks.create_talks_for(cycle=cycle, acting_user=None)
    client = login(users[Role.BRANCH_SECRETARY])
    client.get(reverse("appraisal:talks"))
    # session, user, posts, count, the page; the session's save (savepoint, update, release)
    with django_assert_num_queries(8):
        html = client.get(reverse("appraisal:talks")).content.decode()
    assert html.count('<tr data-state="open"') == size


# --- the member's own view ------------------------------------------------------------------


def test_a_member_sees_what_was_pointed_out_and_promised_not_the_follow_ups(talked, users, login):
    talks.add_follow_up(
        talk=talked,
        on=TODAY,
        note="内部：回访时仍不积极",
        acting_user=users[Role.BRANCH_SECRETARY],
        today=TODAY,
    )
    html = login(users["member"]).get(reverse("appraisal:my_talks")).content.decode()
    assert "班前会发言少" in html and "每周在班前会讲一次安全要点" in html and "2026年1月20日" in html
    assert "回访时仍不积极" not in html and "branch1_secretary" not in html


def test_a_member_never_sees_the_talk_pages_of_the_branch(talk, users, login):
    client = login(users["member"])
    assert client.get(reverse("appraisal:talks")).status_code == 403
    assert client.get(reverse("appraisal:talk", args=[talk.pk])).status_code == 403


# --- the home page's to-do ------------------------------------------------------------------


def test_the_assignee_finds_their_talks_on_the_home_page(talk, users, login):
    html = login(users[Role.BRANCH_SECRETARY]).get(reverse("ui:home")).content.decode()
    assert 'id="talk-todo"' in html and reverse("appraisal:talk", args=[talk.pk]) in html
    talks.reassign(
        talk=talk, assignee=users[Role.BRANCH_COMMITTEE_MEMBER], acting_user=users[Role.BRANCH_SECRETARY]
    )
    assert (
        reverse("appraisal:talk", args=[talk.pk])
        not in login(users[Role.BRANCH_SECRETARY]).get(reverse("ui:home")).content.decode()
    )
    html = login(users[Role.BRANCH_COMMITTEE_MEMBER]).get(reverse("ui:home")).content.decode()
    assert reverse("appraisal:talk", args=[talk.pk]) in html and "李党员" in html


def test_a_closed_talk_leaves_the_home_page(talked, users, login):
    secretary = users[Role.BRANCH_SECRETARY]
    talks.close_talk(talk=talked, on=TODAY, note="整改到位", acting_user=secretary, today=TODAY)
    html = login(secretary).get(reverse("ui:home")).content.decode()
    assert reverse("appraisal:talk", args=[talked.pk]) not in html
