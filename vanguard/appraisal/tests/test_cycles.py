"""Cycles, evaluations and results (issue 4 points 7 and 8): opening a cycle, recording a
cell, closing per branch with the pure rules, publishing with talks, archiving."""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection

from vanguard.accounts.models import Role
from vanguard.appraisal import cycles
from vanguard.appraisal.models import (
    Cycle,
    CycleResult,
    CycleState,
    Evaluation,
    ReadOnly,
    RubricItem,
    Talk,
)
from vanguard.appraisal.tests.scoring_helpers import evaluate, member_user, open_cycle
from vanguard.assessment import rules
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.core.models import BatchJob
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db


# --- opening ---------------------------------------------------------------------------------


def test_a_cycle_freezes_the_rubric_in_force_and_the_default_weights(tree, users):
    cycle = cycles.open_cycle(
        organization=tree.branch1, kind="yearly", year=2025, acting_user=users[Role.BRANCH_SECRETARY]
    )
    assert cycle.weights == {"self": 10, "peer": 30, "worker": 20, "organization": 40}
    assert cycle.rubric.organization == tree.enterprise and cycle.state == CycleState.OPEN
    assert str(cycle) == "2025 年度党员量化考核"


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"self": 10, "peer": 30, "worker": 20, "organization": 30}, "权重：四项之和应为 100，实为 90"),
        ({"self": 10, "peer": 30, "worker": 20, "organization": 101}, "组织考评权重：应为 0 至 100 的整数"),
        ({"self": "十", "peer": 30, "worker": 20, "organization": 40}, "个人自评权重：应为 0 至 100 的整数"),
        (
            {"self": 10.5, "peer": 29.5, "worker": 20, "organization": 40},
            "个人自评权重：应为 0 至 100 的整数",
        ),
    ],
)
def test_weights_must_be_whole_percentages_adding_up_to_100(tree, users, weights, message):
    with pytest.raises(DomainError) as exc:
        cycles.open_cycle(
            organization=tree.branch1,
            kind="yearly",
            year=2025,
            weights=weights,
            acting_user=users[Role.BRANCH_SECRETARY],
        )
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert not Cycle.objects.exists()


def test_one_cycle_per_organisation_and_period_and_none_under_a_committee_cycle(tree, users):
    open_cycle(tree.mine1)
    with pytest.raises(DomainError, match="一矿党委已有2025 年度党员量化考核"):
        open_cycle(tree.branch1)
    with pytest.raises(DomainError, match="已有"):
        open_cycle(tree.mine1)
    assert open_cycle(tree.branch1, kind="quarterly", quarter=2).quarter == 2  # another period
    with pytest.raises(DomainError, match="季度：季度考核应选择第 1 至 4 季度"):
        open_cycle(tree.branch2, kind="quarterly", quarter=5)


def test_a_branch_secretary_opens_cycles_for_their_own_branch_only(tree, users):
    with pytest.raises(DomainError, match="不在您的管理范围内"):
        cycles.open_cycle(
            organization=tree.branch2, kind="yearly", year=2025, acting_user=users[Role.BRANCH_SECRETARY]
        )
    with pytest.raises(DomainError, match="党小组不能发起"):
        cycles.open_cycle(organization=tree.group1, kind="yearly", year=2025, acting_user=None)


# --- recording a cell ------------------------------------------------------------------------


@pytest.fixture
def scene(tree, users, make_person):
    """综采一队: 李党员 (users['member']) and three more members with accounts; 掘进二队:
    王外人. An open yearly cycle of 综采一队."""
    s = type("Scene", (), {})()
    s.member = Person.objects.get(name="李党员")
    s.member_user = users["member"]
    s.peers = [member_user(make_person, tree.branch1, n, tree.group1) for n in ("赵评一", "钱评二", "孙评三")]
    s.outsider = Person.objects.get(name="王外人")
    s.cycle = open_cycle(tree.branch1)
    s.items = list(RubricItem.objects.filter(rubric=s.cycle.rubric).order_by("position", "id"))
    return s


def _cell(scene, user, source, value, *, subject=None, item=0, ballot=""):
    return cycles.record_score(
        cycle=scene.cycle,
        subject_id=(subject or scene.member).pk,
        source=source,
        item_id=scene.items[item].pk,
        value=value,
        ballot=ballot,
        acting_user=user,
    )


def test_a_cell_saves_its_points_and_the_row_total(scene, users):
    committee = users[Role.BRANCH_COMMITTEE_MEMBER]
    _cell(scene, committee, "organization", "4.5", item=0)
    saved = _cell(scene, committee, "organization", "５", item=1)  # full-width, from a phone
    e = saved.evaluation
    assert e.scores == {str(scene.items[0].pk): "4.5", str(scene.items[1].pk): "5"}
    assert e.total == Decimal("9.5") and not e.complete and e.ballot == cycles.ORGANIZATION_BALLOT
    assert _cell(scene, committee, "organization", "", item=0).evaluation.total == Decimal(5)  # cleared


def test_an_evaluation_is_complete_when_every_item_has_points(scene, users):
    committee = users[Role.BRANCH_COMMITTEE_MEMBER]
    for i, it in enumerate(scene.items):
        saved = _cell(scene, committee, "organization", str(it.max_points), item=i)
    assert saved.evaluation.complete and saved.evaluation.total == Decimal(100)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6", "应在 0 至 5 分之间，实为 6"),
        ("-1", "应在 0 至 5 分之间，实为 -1"),
        ("4.25", "最多一位小数，实为 4.25"),
        ("abc", "应为数字，实为“abc”"),
        ("nan", "应为数字"),
    ],
)
def test_a_wrong_value_is_refused_in_chinese_and_nothing_is_saved(scene, users, value, message):
    committee = users[Role.BRANCH_COMMITTEE_MEMBER]
    _cell(scene, committee, "organization", "3", item=0)
    with pytest.raises(DomainError) as exc:
        _cell(scene, committee, "organization", value, item=0)
    assert message in exc.value.messages[0] and scene.items[0].name in exc.value.messages[0]
    assert Evaluation.objects.get().scores == {str(scene.items[0].pk): "3"}


def test_a_member_scores_themselves_and_their_peers(scene):
    own = _cell(scene, scene.member_user, "self", "5").evaluation
    peer = scene.peers[0][0]
    given = _cell(scene, scene.member_user, "peer", "4", subject=peer).evaluation
    assert (own.evaluator, own.subject) == (scene.member, scene.member)
    assert (given.evaluator, given.subject, given.source) == (scene.member, peer, "peer")


def test_a_member_cannot_score_themselves_as_a_peer(scene):
    with pytest.raises(DomainError, match="不能给自己互评打分"):
        _cell(scene, scene.member_user, "peer", "4")
    assert not Evaluation.objects.exists()


def test_a_member_cannot_score_in_another_branch_nor_for_the_organisation(scene, users):
    with pytest.raises(NotFoundOrForbidden):  # 王外人 is not in this cycle
        _cell(scene, scene.member_user, "peer", "4", subject=scene.outsider)
    with pytest.raises(NotFoundOrForbidden):
        _cell(scene, scene.member_user, "organization", "4", subject=scene.peers[0][0])
    with pytest.raises(NotFoundOrForbidden):  # another member's self-evaluation
        _cell(scene, scene.peers[0][1], "self", "4")
    with pytest.raises(NotFoundOrForbidden):  # 王外人 of 掘进二队 scoring 综采一队
        _cell(scene, users["outsider_member"], "peer", "4")
    assert not Evaluation.objects.exists()


def test_worker_forms_are_added_and_typed_in_by_the_branch_committee(scene, users):
    committee = users[Role.BRANCH_COMMITTEE_MEMBER]
    made = cycles.add_ballots(cycle=scene.cycle, subject_id=scene.member.pk, count=3, acting_user=committee)
    assert [e.ballot for e in made] == ["群众评议表 1", "群众评议表 2", "群众评议表 3"]
    _cell(scene, committee, "worker", "4", ballot="群众评议表 2")
    assert Evaluation.objects.get(ballot="群众评议表 2").total == Decimal(4)
    with pytest.raises(DomainError, match="该评议表不存在"):
        _cell(scene, committee, "worker", "4", ballot="群众评议表 9")
    more = cycles.add_ballots(cycle=scene.cycle, subject_id=scene.member.pk, count=1, acting_user=committee)
    assert more[0].ballot == "群众评议表 4"
    with pytest.raises(DomainError, match="一次添加 1 至 50 张"):
        cycles.add_ballots(cycle=scene.cycle, subject_id=scene.member.pk, count=0, acting_user=committee)


# --- closing ---------------------------------------------------------------------------------


@pytest.fixture
def scored(scene, users, make_person):
    """李党员: self 90; peers 95, 88, 86, 84, 70 (five: 95 and 70 dropped); workers 80, 90;
    organisation 92 → 9 + 25.8 + 17 + 36.8 = 88.6, yellow. 赵评一: organisation 95 only
    (incomplete). 钱评二: organisation 88.6 (ties with 李党员). 孙评三: nothing."""
    c = scene.cycle
    extra = [member_user(make_person, scene.member.branch, n)[0] for n in ("周评甲", "周评乙")]
    evaluators = [p for p, _ in scene.peers] + extra
    evaluate(c, scene.member, "self", 90, evaluator=scene.member)
    for who, total in zip(evaluators, (95, 88, 86, 84, 70), strict=True):
        evaluate(c, scene.member, "peer", total, evaluator=who)
    evaluate(c, scene.member, "worker", 80, ballot="群众评议表 1")
    evaluate(c, scene.member, "worker", 90, ballot="群众评议表 2")
    evaluate(c, scene.member, "worker", 20, ballot="群众评议表 3", complete=False)  # not counted
    evaluate(c, scene.member, "organization", 92, ballot=cycles.ORGANIZATION_BALLOT)
    evaluate(c, scene.peers[0][0], "organization", 95, ballot=cycles.ORGANIZATION_BALLOT)
    evaluate(c, scene.peers[1][0], "organization", "88.6", ballot=cycles.ORGANIZATION_BALLOT)
    return scene


def _result(scene, person):
    return CycleResult.objects.get(cycle=scene.cycle, person=person)


def test_closing_scores_every_member_with_the_pure_rules(scored, users):
    cycles.close_cycle(cycle=scored.cycle, acting_user=users[Role.BRANCH_SECRETARY])
    mine = _result(scored, scored.member)
    expected = rules.score_member(
        {"self": [90], "peer": [95, 88, 86, 84, 70], "worker": [80, 90], "organization": [92]},
        scored.cycle.weights,
    )
    assert mine.score == expected.score == Decimal("88.6")
    assert (mine.flag, mine.incomplete) == ("yellow", False)
    peer = mine.explained["sources"][1]
    assert (peer["count"], peer["kept"], peer["dropped"], peer["mean"]) == (5, 3, ["95", "70"], "86.00")
    assert mine.explained["sources"][2]["count"] == 2  # the half-filled form does not count
    assert mine.explained["lines"] == expected.explain()


def test_a_missing_source_is_left_out_and_the_result_marked_incomplete(scored):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    only_org = _result(scored, scored.peers[0][0])
    assert (only_org.score, only_org.flag, only_org.incomplete) == (Decimal("95.0"), "red", True)
    assert only_org.explained["sources"][3]["weight_used"] == "100.00"
    assert "评价不完整" in only_org.explained["lines"][-1]
    assert not CycleResult.objects.filter(person=scored.peers[2][0]).exists()  # nobody evaluated them


def test_ranks_in_the_branch_share_ties(scored):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    ranks = {r.person.name: r.rank for r in CycleResult.objects.select_related("person")}
    assert ranks == {"赵评一": 1, "李党员": 2, "钱评二": 2}


def test_the_explanation_never_names_an_evaluator(scored):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    text = json.dumps(_result(scored, scored.member).explanation, ensure_ascii=False)
    for person, _ in scored.peers:
        assert person.name not in text
    assert "evaluator" not in text and "群众评议表" not in text and "支部委员会" not in text


def test_closing_publishes_and_creates_talks_for_yellow_and_below(scored):
    cycle = cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    assert cycle.state == CycleState.PUBLISHED and cycle.published_on is not None
    talked = set(Talk.objects.values_list("person__name", flat=True))
    assert talked == {"李党员", "钱评二"}  # 88.6 yellow; 95 red has none


def test_closing_twice_gives_one_set_of_results(scored):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    first = list(CycleResult.objects.order_by("id").values_list("id", "score", "rank"))
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    assert list(CycleResult.objects.order_by("id").values_list("id", "score", "rank")) == first
    assert Talk.objects.count() == 2
    assert cycles.close_branch(cycle=scored.cycle, branch=scored.member.branch, acting_user=None) is None


def test_a_close_killed_half_way_leaves_whole_branches_and_runs_again(tree, users, make_person, monkeypatch):
    cycle = open_cycle(tree.mine1)
    a = make_person(tree.branch1, name="张甲")
    b = make_person(tree.office_branch, name="王乙")
    evaluate(cycle, a, "organization", 91, ballot=cycles.ORGANIZATION_BALLOT)
    evaluate(cycle, b, "organization", 75, ballot=cycles.ORGANIZATION_BALLOT)
    real = cycles._compute_branches
    calls = []

    def dies_on_second(c, branches):
        calls.append(branches)
        if len(calls) == 2:
            real(c, branches)
            raise SystemExit("worker killed")
        return real(c, branches)

    monkeypatch.setattr(cycles, "_compute_branches", dies_on_second)
    with pytest.raises(SystemExit):
        cycles.close_cycle(cycle=cycle, acting_user=None)
    assert list(CycleResult.objects.values_list("person__name", flat=True)) == [
        "张甲"
    ]  # the second rolled back
    assert Cycle.objects.get(pk=cycle.pk).state == CycleState.OPEN
    monkeypatch.setattr(cycles, "_compute_branches", real)
    cycles.close_cycle(cycle=cycle, acting_user=None)
    assert sorted(CycleResult.objects.values_list("person__name", flat=True)) == ["张甲", "王乙"]


def test_a_score_entered_after_a_branch_was_computed_is_counted_when_publishing(scored):
    cycle = scored.cycle
    cycles.close_branch(cycle=cycle, branch=scored.member.branch, acting_user=None)
    evaluate(cycle, scored.peers[2][0], "organization", 71, ballot=cycles.ORGANIZATION_BALLOT)
    cycles.publish(cycle=cycle, acting_user=None)
    assert _result(scored, scored.peers[2][0]).score == Decimal("71.0")


def test_no_scores_once_published(scored, users):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    with pytest.raises(DomainError, match="已公示（挂旗），不能再评分"):
        _cell(scored, users[Role.BRANCH_COMMITTEE_MEMBER], "organization", "3")


def test_an_archived_result_never_changes(scored, users):
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)
    cycles.archive(cycle=scored.cycle, acting_user=users[Role.BRANCH_SECRETARY])
    result = _result(scored, scored.member)
    result.score = Decimal(99)
    with pytest.raises(ReadOnly):
        result.save()
    with pytest.raises(ReadOnly):
        CycleResult.objects.filter(cycle=scored.cycle).update(score=Decimal(99))
    with pytest.raises(ReadOnly):
        result.delete()
    with pytest.raises(DomainError, match="已归档"):
        _cell(scored, users[Role.BRANCH_COMMITTEE_MEMBER], "organization", "3")
    with pytest.raises(DomainError, match="已归档"):
        cycles.request_close(cycle=scored.cycle, acting_user=users[Role.BRANCH_SECRETARY])
    cycles.close_cycle(cycle=scored.cycle, acting_user=None)  # a late worker changes nothing
    assert _result(scored, scored.member).score == Decimal("88.6")


def test_only_a_published_cycle_is_archived_and_only_by_its_managers(scene, users):
    with pytest.raises(DomainError, match="只有已公示的周期可以归档"):
        cycles.archive(cycle=scene.cycle, acting_user=users[Role.BRANCH_SECRETARY])
    with pytest.raises(DomainError, match="不在您的管理范围内"):
        cycles.close_cycle(cycle=scene.cycle, acting_user=users[Role.BRANCH_COMMITTEE_MEMBER])


def test_closing_runs_as_a_batch_job_with_one_item_per_branch(
    tree, users, make_person, django_capture_on_commit_callbacks
):
    cycle = open_cycle(tree.mine1)
    evaluate(
        cycle, make_person(tree.branch1, name="张甲"), "organization", 91, ballot=cycles.ORGANIZATION_BALLOT
    )
    evaluate(cycle, make_person(tree.office_branch, name="王乙"), "organization", 60, ballot="支部委员会")
    with django_capture_on_commit_callbacks(execute=True):
        job = cycles.request_close(cycle=cycle, acting_user=users[Role.COMMITTEE_SECRETARY])
    job = BatchJob.objects.get(pk=job.pk)
    assert (job.status, job.total, job.done, job.failed) == ("done", 3, 3, 0)
    assert [i["label"] for i in job.items] == [
        "综采一队党支部",
        "机关第一党支部",
        "公示结果（挂旗）并生成谈话任务",
    ]
    assert Cycle.objects.get(pk=cycle.pk).state == CycleState.PUBLISHED
    assert CycleResult.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_give_one_set(tree, make_person):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    cycle = open_cycle(tree.mine1)
    for i, name in enumerate(("张一", "张二", "张三", "张四", "张五", "张六")):
        evaluate(cycle, make_person(tree.branch1, name=name), "organization", 80 + i, ballot="支部委员会")
    errors = []

    def close():
        try:
            cycles.close_cycle(cycle=Cycle.objects.get(pk=cycle.pk), acting_user=None)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CycleResult.objects.filter(cycle=cycle).count() == 6
    assert Cycle.objects.get(pk=cycle.pk).state == CycleState.PUBLISHED


def test_a_large_committee_is_closed_in_at_most_close_steps_runs(tree, make_person, monkeypatch):
    """Each run is one transaction and one step of the progress bar; every branch is
    still ranked on its own."""
    monkeypatch.setattr(cycles, "CLOSE_STEPS", 1)
    cycle = open_cycle(tree.mine1)
    a1, a2 = make_person(tree.branch1, name="张甲"), make_person(tree.branch1, name="李乙")
    b = make_person(tree.office_branch, name="王丙")
    evaluate(cycle, a1, "organization", 91, ballot=cycles.ORGANIZATION_BALLOT)
    evaluate(cycle, a2, "organization", 85, ballot=cycles.ORGANIZATION_BALLOT)
    evaluate(cycle, b, "organization", 75, ballot=cycles.ORGANIZATION_BALLOT)
    chunks = cycles.close_chunks(cycle)
    assert len(chunks) == 1 and len(chunks[0]) == 2
    assert cycles.chunk_label(chunks[0]) == "综采一队党支部 至 机关第一党支部（2 个党支部）"
    cycles.close_cycle(cycle=cycle, acting_user=None)
    ranks = dict(CycleResult.objects.values_list("person__name", "rank"))
    assert ranks == {"张甲": 1, "李乙": 2, "王丙": 1}


def test_the_database_keeps_one_cycle_per_organisation_and_period(tree):
    """Also on SQLite, where a unique constraint cannot treat the yearly cycle's empty
    quarter as equal: a second yearly cycle of the same year is refused by the database."""
    from django.db import IntegrityError, transaction

    first = open_cycle(tree.branch1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(
            organization=first.organization, kind=first.kind, year=first.year, rubric=first.rubric
        )
    Cycle.objects.create(
        organization=first.organization, kind="quarterly", year=first.year, quarter=1, rubric=first.rubric
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(
            organization=first.organization, kind="quarterly", year=first.year, quarter=1, rubric=first.rubric
        )
