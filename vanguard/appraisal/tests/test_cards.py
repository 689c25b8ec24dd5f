"""填卡 (issue 4 point 6): a member's goal card — fill, submit, confirm or return; tasks X
from the branch; the quarterly self-check and its review; who may see and do what."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vanguard.accounts.models import Role, User
from vanguard.appraisal import cards
from vanguard.appraisal.models import CardState, GoalCard, GoalTask, QuarterCheck, ReadOnly
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

YEAR = 2026
IN_Q2 = date(2026, 5, 10)

PARTS = {
    "goals": "全年安全生产无事故，完成原煤 120 万吨",
    "measures": "班前会讲安全，每班排查隐患",
    "commitments": "不违章、不蛮干，带头遵守规程",
    "study": "每月学习一次党章党规",
    "contact": "联系帮扶本班两名青工",
}


@pytest.fixture
def member(users):
    return Person.objects.get(name="李党员")


@pytest.fixture
def secretary(users):
    return users[Role.BRANCH_SECRETARY]


def _card(member, secretary, state=CardState.DRAFT, year=YEAR):
    card = cards.open_card(person=member, year=year, acting_user=secretary, today=IN_Q2)
    if state == CardState.DRAFT:
        return card
    card = cards.save_card(card=card, parts=PARTS, acting_user=secretary, submit=True)
    if state == CardState.CONFIRMED:
        card = cards.confirm_card(card=card, acting_user=secretary)
    return card


@pytest.fixture
def confirmed(member, secretary):
    return _card(member, secretary, CardState.CONFIRMED)


def _progress(**extra):
    return {key: f"{label}：按计划推进" for key, label in cards.PARTS} | extra


def _messages(exc: pytest.ExceptionInfo) -> str:
    return "；".join(exc.value.messages)


# --- the card: fill, submit, confirm, return --------------------------------------------------


def test_a_draft_keeps_what_was_written_and_submitting_sends_it_to_the_branch(member, users):
    card = cards.open_card(person=member, year=YEAR, acting_user=users["member"], today=IN_Q2)
    card = cards.save_card(card=card, parts={"goals": "零三违"}, acting_user=users["member"])
    assert (card.state, card.goals, card.filled_by) == (CardState.DRAFT, "零三违", users["member"])
    card = cards.save_card(card=card, parts=PARTS, acting_user=users["member"], submit=True)
    assert card.state == CardState.SUBMITTED and card.submitted_at is not None


def test_submitting_an_incomplete_card_names_every_empty_part(member, users):
    card = cards.open_card(person=member, year=YEAR, acting_user=users["member"], today=IN_Q2)
    with pytest.raises(DomainError) as exc:
        cards.save_card(
            card=card,
            parts={"goals": "零三违", "measures": "排查隐患"},
            acting_user=users["member"],
            submit=True,
        )
    assert [p.field for p in exc.value.problems] == ["承诺事项", "学习提升计划", "联系服务群众"]
    assert "承诺事项：不能为空" in _messages(exc)
    card.refresh_from_db()
    assert card.state == CardState.DRAFT and card.goals == ""  # nothing half-written


def test_changing_a_submitted_card_takes_it_back_to_drafting(member, secretary, users):
    card = _card(member, secretary, CardState.SUBMITTED)
    card = cards.save_card(card=card, parts=PARTS | {"goals": "改过的目标"}, acting_user=users["member"])
    assert card.state == CardState.DRAFT


def test_a_confirmed_card_never_changes(confirmed, users):
    with pytest.raises(DomainError, match="支部已确认"):
        cards.save_card(card=confirmed, parts=PARTS | {"goals": "偷改"}, acting_user=users["member"])
    confirmed.refresh_from_db()
    assert confirmed.goals == PARTS["goals"] and confirmed.state == CardState.CONFIRMED


@pytest.mark.parametrize("action", ["confirm", "return"])
def test_only_a_submitted_card_is_confirmed_or_returned(member, secretary, action):
    card = _card(member, secretary, CardState.DRAFT)
    with pytest.raises(DomainError, match="只有已提交的目标卡"):
        if action == "confirm":
            cards.confirm_card(card=card, acting_user=secretary)
        else:
            cards.return_card(card=card, reason="请补充", acting_user=secretary)


def test_a_return_needs_a_reason_and_the_member_sees_it(member, secretary):
    card = _card(member, secretary, CardState.SUBMITTED)
    with pytest.raises(DomainError, match="退回原因：不能为空"):
        cards.return_card(card=card, reason=" ", acting_user=secretary)
    card = cards.return_card(card=card, reason="承诺事项要具体到班组", acting_user=secretary)
    assert card.state == CardState.DRAFT
    assert cards.last_return(card).changes["reason"] == "承诺事项要具体到班组"


def test_no_one_confirms_their_own_card(tree, make_person):
    me = make_person(tree.branch1, name="赵书记", group=tree.group1)
    secretary = User.objects.create_user(username="zhao", password="x", person_id=me.pk)
    from vanguard.accounts.models import Post

    Post.objects.create(user=secretary, role=Role.BRANCH_SECRETARY, organization=tree.branch1)
    card = cards.open_card(person=me, year=YEAR, acting_user=secretary, today=IN_Q2)
    card = cards.save_card(card=card, parts=PARTS, acting_user=secretary, submit=True)
    with pytest.raises(DomainError, match="不能确认或退回本人的目标卡"):
        cards.confirm_card(card=card, acting_user=secretary)


@pytest.mark.parametrize("year", [1999, 2028])
def test_a_card_is_for_a_year_from_2000_to_next_year(member, secretary, year):
    with pytest.raises(DomainError, match="年度：只能是 2000 年至 2027 年"):
        cards.open_card(person=member, year=year, acting_user=secretary, today=IN_Q2)


def test_only_members_on_the_roll_fill_a_card(tree, make_person, secretary):
    worker = make_person(
        tree.branch1,
        name="钱职工",
        political_status="worker",
        application_date=None,
        join_date=None,
        full_member_date=None,
    )
    with pytest.raises(DomainError, match="不是在册的正式或预备党员"):
        cards.open_card(person=worker, year=YEAR, acting_user=secretary, today=IN_Q2)


# --- tasks X ---------------------------------------------------------------------------------


def test_a_task_goes_to_every_member_chosen_opening_their_card(tree, make_person, member, secretary):
    other = make_person(tree.branch1, name="孙党员", group=tree.group2)
    _card(member, secretary, CardState.CONFIRMED)
    tasks = cards.add_task(
        people=[member, other],
        year=YEAR,
        title="帮教一名新工人",
        detail="每月谈心一次",
        due=date(2026, 12, 31),
        acting_user=secretary,
        today=IN_Q2,
    )
    assert len(tasks) == 2
    assert GoalTask.objects.filter(card__person=other, title="帮教一名新工人").exists()
    assert GoalCard.objects.get(person=other, year=YEAR).state == CardState.DRAFT
    assert GoalCard.objects.get(person=member, year=YEAR).state == CardState.CONFIRMED  # X may come later


@pytest.mark.parametrize(
    ("people", "title", "message"),
    [
        ([], "帮教", "党员：请至少选择一名党员"),
        (None, "", "任务：不能为空"),
        (None, "长" * 201, "任务：不能超过 200 个字"),
    ],
)
def test_a_task_needs_people_and_a_title(member, secretary, people, title, message):
    with pytest.raises(DomainError, match=message):
        cards.add_task(
            people=[member] if people is None else people, year=YEAR, title=title, acting_user=secretary
        )
    assert not GoalTask.objects.exists()


# --- the quarterly self-check ------------------------------------------------------------------


def test_a_self_check_waits_for_the_confirmed_card(member, secretary, users):
    card = _card(member, secretary, CardState.SUBMITTED)
    with pytest.raises(DomainError, match="目标卡：支部确认目标卡后才能进行季度自查"):
        cards.save_check(
            card=card,
            quarter=1,
            progress=_progress(),
            done_tasks=[],
            acting_user=users["member"],
            today=IN_Q2,
        )
    assert not QuarterCheck.objects.exists()


def test_a_quarter_that_has_not_begun_is_refused(confirmed, users):
    with pytest.raises(DomainError) as exc:
        cards.save_check(
            card=confirmed,
            quarter=3,
            progress=_progress(),
            done_tasks=[],
            acting_user=users["member"],
            today=IN_Q2,
        )
    assert _messages(exc) == "季度：2026 年第三季度尚未开始（2026-07-01 起），不能提前自查"
    cards.save_check(
        card=confirmed,
        quarter=2,
        progress=_progress(),
        done_tasks=[],
        acting_user=users["member"],
        today=IN_Q2,
    )


def test_submitting_a_self_check_needs_every_part_and_every_task(confirmed, secretary, users):
    task = cards.add_task(people=[confirmed.person], year=YEAR, title="帮教新工人", acting_user=secretary)[0]
    with pytest.raises(DomainError) as exc:
        cards.save_check(
            card=confirmed,
            quarter=1,
            progress={"goals": "已完成"},
            done_tasks=[],
            acting_user=users["member"],
            submit=True,
            today=IN_Q2,
        )
    text = _messages(exc)
    assert "完成情况（争优措施）：不能为空" in text and "完成情况（任务“帮教新工人”）" in text
    check = cards.save_check(
        card=confirmed,
        quarter=1,
        progress=_progress(),
        done_tasks=[task.pk, 99999],
        acting_user=users["member"],
        submit=True,
        today=IN_Q2,
    )
    assert check.done_tasks == [task.pk] and check.submitted_at is not None


def test_a_reviewed_self_check_never_changes(confirmed, secretary, users):
    check = cards.save_check(
        card=confirmed,
        quarter=1,
        progress=_progress(),
        done_tasks=[],
        acting_user=users["member"],
        submit=True,
        today=IN_Q2,
    )
    cards.review_check(check=check, verdict="fair", comment="", acting_user=secretary)
    with pytest.raises(DomainError, match="已经支部审核，不能再修改"):
        cards.save_check(
            card=confirmed,
            quarter=1,
            progress=_progress(),
            done_tasks=[],
            acting_user=users["member"],
            today=IN_Q2,
        )
    with pytest.raises(DomainError, match="审核结果不能修改"):
        cards.review_check(check=check, verdict="good", comment="", acting_user=secretary)
    check.refresh_from_db()
    check.review = "改"
    with pytest.raises(ReadOnly):
        check.save()
    assert QuarterCheck.objects.get().verdict == "fair"


@pytest.mark.parametrize(
    ("verdict", "comment", "message"),
    [
        ("", "", "支部评价：请选择"),
        ("great", "", "支部评价：请选择"),
        ("poor", "", "评价为“差”时须写明改进意见"),
        ("ordinary", " ", "评价为“一般”时须写明改进意见"),
    ],
)
def test_a_review_needs_a_verdict_and_a_comment_for_a_weak_one(
    confirmed, secretary, users, verdict, comment, message
):
    check = cards.save_check(
        card=confirmed,
        quarter=1,
        progress=_progress(),
        done_tasks=[],
        acting_user=users["member"],
        submit=True,
        today=IN_Q2,
    )
    with pytest.raises(DomainError, match=message):
        cards.review_check(check=check, verdict=verdict, comment=comment, acting_user=secretary)
    assert QuarterCheck.objects.get().reviewed_at is None


def test_a_self_check_not_submitted_is_not_reviewed(confirmed, secretary, users):
    check = cards.save_check(
        card=confirmed,
        quarter=1,
        progress=_progress(),
        done_tasks=[],
        acting_user=users["member"],
        today=IN_Q2,
    )
    with pytest.raises(DomainError, match="党员尚未提交自查"):
        cards.review_check(check=check, verdict="good", comment="", acting_user=secretary)


def test_every_decision_leaves_an_audit_row(member, secretary, users):
    card = _card(member, secretary, CardState.SUBMITTED)
    cards.return_card(card=card, reason="写具体", acting_user=secretary)
    card = cards.save_card(card=card, parts=PARTS, acting_user=users["member"], submit=True)
    card = cards.confirm_card(card=card, acting_user=secretary)
    task = cards.add_task(people=[member], year=YEAR, title="帮教", acting_user=secretary)[0]
    check = cards.save_check(
        card=card,
        quarter=1,
        progress=_progress(),
        done_tasks=[task.pk],
        acting_user=users["member"],
        submit=True,
        today=IN_Q2,
    )
    cards.review_check(check=check, verdict="good", comment="", acting_user=secretary)
    actions = list(
        AuditEntry.objects.filter(action__startswith="appraisal.").values_list("action", flat=True)
    )
    for action in ["card.submit", "card.return", "card.confirm", "card.task", "check.submit", "check.review"]:
        assert f"appraisal.{action}" in actions
    assert AuditEntry.objects.get(action="appraisal.check.review").actor == secretary


# --- pages: a member, the branch, the others -------------------------------------------------


def test_a_member_fills_and_submits_their_own_card(login, users, member):
    client = login(users["member"])
    page = client.get(reverse("appraisal:my_card"))
    assert page.status_code == 200 and "年度工作目标" in page.content.decode()
    answer = client.post(reverse("appraisal:my_card"), PARTS | {"action": "submit"})
    card = GoalCard.objects.get(person=member)
    assert answer.status_code == 302 and card.state == CardState.SUBMITTED
    assert client.get(reverse("appraisal:my_card")).url == reverse("appraisal:card", args=[card.pk])
    assert "已提交，待支部确认" in client.get(reverse("appraisal:card", args=[card.pk])).content.decode()


def test_an_incomplete_submission_is_shown_with_the_fields_and_kept(login, users, member):
    client = login(users["member"])
    answer = client.post(reverse("appraisal:my_card"), {"goals": "零三违", "action": "submit"})
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "联系服务群众：不能为空，提交前须填写完整" in text and "零三违" in text
    assert not GoalCard.objects.filter(state=CardState.SUBMITTED).exists()


def test_an_account_without_a_person_is_told_the_branch_fills_cards(login, users):
    text = login(users[Role.BRANCH_COMMITTEE_MEMBER]).get(reverse("appraisal:my_card")).content.decode()
    assert "没有关联党员信息" in text and "代为填写" in text


def test_the_branch_fills_a_card_for_a_member_without_an_account(login, tree, secretary, make_person):
    miner = make_person(tree.branch1, name="周矿工", group=tree.group2)
    client = login(secretary)
    answer = client.post(
        reverse("appraisal:card_open"), {"branch": tree.branch1.pk, "year": YEAR, "person": miner.pk}
    )
    card = GoalCard.objects.get(person=miner)
    assert answer.url == reverse("appraisal:card_edit", args=[card.pk])
    assert "您正在代 周矿工 填写目标卡" in client.get(answer.url).content.decode()
    client.post(answer.url, PARTS | {"action": "submit"})
    card.refresh_from_db()
    assert card.state == CardState.SUBMITTED and card.filled_by == secretary
    assert "（代填）" in client.get(reverse("appraisal:card", args=[card.pk])).content.decode()


def test_the_branch_confirms_or_returns_through_the_card_page(login, member, secretary, users):
    card = _card(member, secretary, CardState.SUBMITTED)
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    assert "确认目标卡" in client.get(reverse("appraisal:card", args=[card.pk])).content.decode()
    client.post(reverse("appraisal:card_return", args=[card.pk]), {"reason": ""})
    card.refresh_from_db()
    assert card.state == CardState.SUBMITTED
    client.post(reverse("appraisal:card_return", args=[card.pk]), {"reason": "措施要具体"})
    text = login(users["member"]).get(reverse("appraisal:card", args=[card.pk])).content.decode()
    assert "支部已退回修改" in text and "措施要具体" in text


def test_a_member_sees_only_their_own_card(login, tree, users, member, secretary, make_person):
    neighbour = make_person(tree.branch1, name="吴邻居", group=tree.group1)
    other = _card(neighbour, secretary, CardState.SUBMITTED)
    own = _card(member, secretary, CardState.SUBMITTED)
    client = login(users["member"])
    assert client.get(reverse("appraisal:card", args=[own.pk])).status_code == 200
    for name in ("appraisal:card", "appraisal:card_edit"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.get(reverse("appraisal:check", args=[other.pk, 1])).status_code == 404
    assert client.post(reverse("appraisal:card_confirm", args=[own.pk])).status_code == 403
    assert client.get(reverse("appraisal:cards")).status_code == 403
    assert login(users["outsider_member"]).get(reverse("appraisal:card", args=[own.pk])).status_code == 404


def test_a_group_leader_reads_their_groups_cards_only(login, tree, users, member, secretary, make_person):
    card = _card(member, secretary, CardState.SUBMITTED)
    elsewhere = _card(
        make_person(tree.branch1, name="郑二组", group=tree.group2), secretary, CardState.SUBMITTED
    )
    client = login(users[Role.GROUP_LEADER])
    page = client.get(reverse("appraisal:card", args=[card.pk])).content.decode()
    assert PARTS["goals"] in page and "确认目标卡" not in page and "填写目标卡" not in page
    assert client.get(reverse("appraisal:card_edit", args=[card.pk])).status_code == 302
    assert client.get(reverse("appraisal:card", args=[elsewhere.pk])).status_code == 404
    overview = client.get(
        reverse("appraisal:cards"), {"branch": tree.branch1.pk, "year": YEAR}
    ).content.decode()
    assert "李党员" in overview and "郑二组" not in overview and "给选中的党员布置任务" not in overview


def _overview(client, tree):
    return client.get(reverse("appraisal:cards"), {"branch": tree.branch1.pk, "year": YEAR})


def test_the_overview_shows_each_members_card_and_self_check(
    login, tree, secretary, member, users, make_person
):
    card = _card(member, secretary, CardState.CONFIRMED)
    quarter = cards.current_quarter(YEAR, date.today())
    cards.save_check(
        card=card,
        quarter=quarter,
        progress=_progress(),
        done_tasks=[],
        acting_user=users["member"],
        submit=True,
    )
    make_person(tree.branch1, name="冯未填", group=tree.group2)
    text = _overview(login(secretary), tree).content.decode()
    assert "支部已确认" in text and "待支部审核" in text and "冯未填" in text and "未填写" in text
    assert "王外人" not in text


def test_the_overview_has_a_constant_query_count(login, tree, secretary, member, users, make_person):
    client = login(secretary)
    _card(member, secretary, CardState.CONFIRMED)
    with CaptureQueriesContext(connection) as few:
        assert _overview(client, tree).status_code == 200
    for i, name in enumerate("甲乙丙丁戊"):
        p = make_person(tree.branch1, name=f"党员{name}", group=tree.group2)
        c = _card(p, secretary, [CardState.DRAFT, CardState.SUBMITTED, CardState.CONFIRMED][i % 3])
        if c.state == CardState.CONFIRMED:
            cards.save_check(card=c, quarter=1, progress=_progress(), done_tasks=[], acting_user=secretary)
    with CaptureQueriesContext(connection) as many:
        assert _overview(client, tree).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_branch_gives_a_task_to_the_members_ticked(login, tree, secretary, member, make_person):
    other = make_person(tree.branch1, name="褚党员", group=tree.group2)
    skipped = make_person(tree.branch1, name="卫党员", group=tree.group2)
    client = login(secretary)
    answer = client.post(
        reverse("appraisal:card_tasks"),
        {
            "branch": tree.branch1.pk,
            "year": YEAR,
            "person": [member.pk, other.pk],
            "title": "排查一处安全隐患",
            "detail": "在班前会上报告",
            "due": "2026-12-20",
        },
    )
    assert answer.status_code == 302
    assert set(GoalTask.objects.values_list("card__person__name", flat=True)) == {"李党员", "褚党员"}
    assert not GoalCard.objects.filter(person=skipped).exists()


def test_a_task_without_a_title_is_shown_with_the_ticks_kept(login, tree, secretary, member):
    answer = login(secretary).post(
        reverse("appraisal:card_tasks"),
        {
            "branch": tree.branch1.pk,
            "year": YEAR,
            "person": [member.pk],
            "title": "",
            "due": "2026-12-20",
        },
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "任务：不能为空" in text and f'value="{member.pk}" aria-label="选择李党员" checked' in text
    assert not GoalTask.objects.exists()


def test_a_task_for_someone_outside_the_branch_is_404(login, tree, secretary, users):
    outsider = Person.objects.get(name="王外人")
    answer = login(secretary).post(
        reverse("appraisal:card_tasks"),
        {
            "branch": tree.branch1.pk,
            "year": YEAR,
            "person": [outsider.pk],
            "title": "越权",
        },
    )
    assert answer.status_code == 404 and not GoalTask.objects.exists()


def test_the_self_check_page_says_why_it_cannot_be_written(login, member, secretary, users):
    card = _card(member, secretary, CardState.SUBMITTED)
    text = login(users["member"]).get(reverse("appraisal:check", args=[card.pk, 1])).content.decode()
    assert "支部确认目标卡后才能进行季度自查" in text and 'id="check-form"' not in text
    next_year = cards.open_card(person=member, year=date.today().year + 1, acting_user=secretary)
    next_year = cards.save_card(card=next_year, parts=PARTS, acting_user=secretary, submit=True)
    next_year = cards.confirm_card(card=next_year, acting_user=users[Role.BRANCH_COMMITTEE_MEMBER])
    text = login(users["member"]).get(reverse("appraisal:check", args=[next_year.pk, 1])).content.decode()
    assert "第一季度尚未开始" in text and 'id="check-form"' not in text


def test_the_member_self_checks_and_the_branch_reviews_through_the_pages(login, confirmed, secretary, users):
    task = cards.add_task(people=[confirmed.person], year=YEAR, title="帮教新工人", acting_user=secretary)[0]
    url = reverse("appraisal:check", args=[confirmed.pk, 1])
    client = login(users["member"])
    data = _progress() | {"action": "submit", "done": [task.pk]}
    assert client.post(url, data).status_code == 302
    check = QuarterCheck.objects.get(card=confirmed, quarter=1)
    assert check.submitted_by == users["member"] and check.done_tasks == [task.pk]
    client = login(secretary)
    assert "支部审核" in client.get(url).content.decode()
    client.post(reverse("appraisal:check_review", args=[confirmed.pk, 1]), {"verdict": "poor", "comment": ""})
    assert "评价为“差”时须写明改进意见" in client.get(url).content.decode()
    client.post(
        reverse("appraisal:check_review", args=[confirmed.pk, 1]), {"verdict": "good", "comment": "完成得好"}
    )
    check.refresh_from_db()
    assert check.verdict == "good" and check.reviewed_by == secretary
    text = login(users["member"]).get(reverse("appraisal:card", args=[confirmed.pk])).content.decode()
    assert "完成得好" in text and "✓ 已完成" in text


def test_an_empty_submission_of_a_self_check_names_the_fields(login, confirmed, users):
    answer = login(users["member"]).post(
        reverse("appraisal:check", args=[confirmed.pk, 1]), {"action": "submit"}
    )
    assert answer.status_code == 422
    assert "完成情况（年度工作目标）：不能为空" in answer.content.decode()
    assert not QuarterCheck.objects.exists()


def test_a_quarter_out_of_range_is_404(login, confirmed, users):
    assert login(users["member"]).get(reverse("appraisal:check", args=[confirmed.pk, 5])).status_code == 404


def test_the_home_page_lists_what_waits_for_the_branch(login, tree, member, secretary, users, make_person):
    _card(member, secretary, CardState.SUBMITTED)
    other = _card(make_person(tree.branch1, name="蒋党员", group=tree.group2), secretary, CardState.CONFIRMED)
    cards.save_check(
        card=other, quarter=1, progress=_progress(), done_tasks=[], acting_user=secretary, submit=True
    )
    text = login(users[Role.BRANCH_COMMITTEE_MEMBER]).get(reverse("ui:home")).content.decode()
    assert (
        "待支部确认的目标卡 <strong>1</strong> 张" in text
        and "待审核的季度自查 <strong>1</strong> 份" in text
    )
    for role in (Role.GROUP_LEADER, Role.COMMITTEE_SECRETARY, "member"):
        assert 'id="card-todo"' not in login(users[role]).get(reverse("ui:home")).content.decode()
