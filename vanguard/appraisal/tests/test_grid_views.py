"""The 评分 pages and endpoints: the organisation grid, worker forms, a member's sheet and
result, closing and archiving — who may open what, and what a member never sees."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.appraisal import cycles
from vanguard.appraisal.models import CycleResult, CycleState, Evaluation, RubricItem
from vanguard.appraisal.tests.scoring_helpers import evaluate, member_user, open_cycle
from vanguard.people.models import Person

pytestmark = pytest.mark.django_db

NAMES = ("赵评一", "钱评二", "孙评三", "周评四", "吴评五")


@pytest.fixture
def scene(tree, users, make_person):
    s = type("Scene", (), {})()
    s.member = Person.objects.get(name="李党员")
    s.peers = [member_user(make_person, tree.branch1, n, tree.group2) for n in NAMES]
    s.cycle = open_cycle(tree.branch1)
    s.other_cycle = open_cycle(tree.branch2)
    s.items = list(RubricItem.objects.filter(rubric=s.cycle.rubric).order_by("position", "id"))
    return s


def _post_cell(client, url, subject, source, item, value, ballot=""):
    return client.post(
        url, {"subject": subject.pk, "source": source, "item": item.pk, "value": value, "ballot": ballot}
    )


# --- the organisation grid -------------------------------------------------------------------


def test_the_grid_has_a_row_per_member_and_a_cell_per_item(scene, users, login):
    response = login(users[Role.BRANCH_COMMITTEE_MEMBER]).get(
        reverse("appraisal:grid", args=[scene.cycle.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="cell"') == 18 * 6  # 李党员 and five more
    assert 'inputmode="decimal"' in html and "安全生产" in html and "杜绝“三违”" in html
    assert 'data-url="/appraisal/cycles/' in html


def test_the_grid_query_count_does_not_grow_with_the_members(
    scene, users, login, make_person, django_assert_max_num_queries
):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    url = reverse("appraisal:grid", args=[scene.cycle.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        client.get(url)
    for i, name in enumerate(
        ("郑一号", "冯二号", "陈三号", "褚四号", "卫五号", "蒋六号", "沈七号", "韩八号")
    ):
        evaluate(
            scene.cycle,
            make_person(scene.member.branch, name=name),
            "organization",
            80 + i,
            ballot="支部委员会",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_cell_saves_and_answers_the_row_total(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    _post_cell(client, url, scene.member, "organization", scene.items[0], "4.5")
    answer = _post_cell(client, url, scene.member, "organization", scene.items[1], "5").json()
    assert answer == {"ok": True, "value": "5", "total": "9.5", "complete": False, "filled": 2}


def test_a_wrong_cell_says_why_in_chinese_and_saves_nothing(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    answer = _post_cell(client, url, scene.member, "organization", scene.items[0], "7").json()
    assert answer == {"ok": False, "error": f"{scene.items[0].name}（满分 5）：应在 0 至 5 分之间，实为 7"}
    assert not Evaluation.objects.exists()


def test_the_grid_endpoint_refuses_self_and_peer_scores(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    assert not _post_cell(client, url, scene.member, "peer", scene.items[0], "4").json()["ok"]
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("role", [Role.GROUP_LEADER, Role.COMMITTEE_SECRETARY, "member"])
def test_roles_without_appraisal_record_cannot_open_the_grid_or_save_a_cell(scene, users, login, role):
    client = login(users[role])
    assert client.get(reverse("appraisal:grid", args=[scene.cycle.pk])).status_code == 403
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    assert _post_cell(client, url, scene.member, "organization", scene.items[0], "4").status_code == 403
    assert not Evaluation.objects.exists()


def test_another_branch_s_cycle_and_member_are_not_found(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    assert client.get(reverse("appraisal:grid", args=[scene.other_cycle.pk])).status_code == 404
    outsider = Person.objects.get(name="王外人")
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    assert _post_cell(client, url, outsider, "organization", scene.items[0], "4").status_code == 404
    assert client.get(reverse("appraisal:workers", args=[scene.cycle.pk, outsider.pk])).status_code == 404


def test_worker_forms_are_added_and_typed_in(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    add = reverse("appraisal:workers_add", args=[scene.cycle.pk, scene.member.pk])
    assert client.post(add, {"count": "3"}).status_code == 302
    page = client.get(reverse("appraisal:workers", args=[scene.cycle.pk, scene.member.pk])).content.decode()
    assert "群众评议表 1" in page and "群众评议表 3" in page and page.count('class="cell"') == 54
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    answer = _post_cell(
        client, url, scene.member, "worker", scene.items[0], "3", ballot="群众评议表 2"
    ).json()
    assert answer["ok"] and answer["total"] == "3"


# --- a member's own sheet ----------------------------------------------------------------------


def test_a_member_s_sheet_has_their_self_row_and_every_other_member_of_the_branch(scene, users, login):
    page = login(users["member"]).get(reverse("appraisal:my_sheet", args=[scene.cycle.pk])).content.decode()
    assert "李党员（本人）" in page and all(n in page for n in NAMES)
    assert page.count('data-source="self"') == 1 and page.count('data-source="peer"') == 5
    assert f'data-subject="{scene.member.pk}" data-source="peer"' not in page
    assert page.count('class="cell"') == 18 * 6


def test_a_member_saves_their_own_and_peer_scores(scene, users, login):
    client = login(users["member"])
    url = reverse("appraisal:my_cell", args=[scene.cycle.pk])
    assert _post_cell(client, url, scene.member, "self", scene.items[0], "5").json()["ok"]
    peer = scene.peers[0][0]
    assert _post_cell(client, url, peer, "peer", scene.items[0], "4").json()["ok"]
    assert Evaluation.objects.get(source="peer").evaluator == scene.member


@pytest.mark.parametrize(
    ("who", "source", "message"),
    [
        ("self", "peer", "不能给自己互评打分"),
        ("outsider", "peer", "只能给本支部的其他党员互评打分"),
        ("peer", "organization", "只能填写个人自评或党员互评"),
        ("peer", "self", "只能给本支部的其他党员互评打分"),
    ],
)
def test_a_member_cannot_score_what_is_not_theirs(scene, users, login, who, source, message):
    subject = {
        "self": scene.member,
        "peer": scene.peers[0][0],
        "outsider": Person.objects.get(name="王外人"),
    }[who]
    answer = _post_cell(
        login(users["member"]),
        reverse("appraisal:my_cell", args=[scene.cycle.pk]),
        subject,
        source,
        scene.items[0],
        "4",
    ).json()
    assert answer["ok"] is False and message in answer["error"]
    assert not Evaluation.objects.exists()


def test_a_member_of_another_branch_is_sent_back_from_the_sheet(scene, users, login):
    client = login(users["outsider_member"])
    response = client.get(reverse("appraisal:my_sheet", args=[scene.cycle.pk]))
    assert response.status_code == 302 and response.url == reverse("appraisal:my_cycles")
    post = _post_cell(
        client, reverse("appraisal:my_cell", args=[scene.cycle.pk]), scene.member, "peer", scene.items[0], "4"
    )
    assert post.status_code == 302 and not Evaluation.objects.exists()


def test_a_member_cannot_open_the_managers_pages(scene, users, login):
    client = login(users["member"])
    assert client.get(reverse("appraisal:cycle", args=[scene.cycle.pk])).status_code == 403
    assert client.get(reverse("appraisal:workers", args=[scene.cycle.pk, scene.member.pk])).status_code == 403


# --- results: what a member sees -------------------------------------------------------------------


@pytest.fixture
def published(scene, users):
    """李党员 scored by five peers with distinctive totals, two worker forms, the committee."""
    c = scene.cycle
    evaluate(c, scene.member, "self", 90, evaluator=scene.member)
    for (peer, _), total in zip(scene.peers, ("93.7", "88.1", "86.3", "84.9", "71.3"), strict=True):
        evaluate(c, scene.member, "peer", total, evaluator=peer)
    evaluate(c, scene.member, "worker", "81.3", ballot="群众评议表 1")
    evaluate(c, scene.member, "organization", 92, ballot=cycles.ORGANIZATION_BALLOT)
    cycles.close_cycle(cycle=c, acting_user=None)
    c.refresh_from_db()
    return scene


def test_a_member_sees_their_score_flag_rank_and_how_it_was_computed(published, users, login):
    page = (
        login(users["member"]).get(reverse("appraisal:my_result", args=[published.cycle.pk])).content.decode()
    )
    result = CycleResult.objects.get(person=published.member)
    assert f"{result.score} 分" in page and "黄旗" in page and f"第 {result.rank} 名" in page
    assert "去掉一个最高分 93.7、一个最低分 71.3 后 3 人平均" in page
    assert "四舍五入保留一位小数为" in page and "30%" in page


def test_no_page_a_member_opens_names_who_scored_them(published, users, login):
    client = login(users["member"])
    pages = [
        reverse("appraisal:my_result", args=[published.cycle.pk]),
        reverse("appraisal:my_cycles"),
        reverse("appraisal:my_sheet", args=[published.cycle.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        text = re.sub(r"<[^>]+>", " ", html)
        if url != pages[2]:  # the sheet lists the branch's members to be scored
            assert not any(n in text for n in NAMES), url
        assert "群众评议表 1" not in text and "支部委员会" not in text
    sheet = client.get(pages[2]).content.decode()
    assert "93.7" not in sheet and "88.1" not in sheet  # what others gave is never on the sheet


def test_another_member_s_result_is_not_reachable(published, users, login):
    response = login(users["outsider_member"]).get(reverse("appraisal:my_result", args=[published.cycle.pk]))
    assert response.status_code == 302


def test_managers_see_the_results_of_their_scope(published, users, login):
    page = login(users[Role.BRANCH_SECRETARY]).get(reverse("appraisal:cycle", args=[published.cycle.pk]))
    assert "李党员" in page.content.decode() and "黄旗" in page.content.decode()
    assert (
        login(users[Role.BRANCH_SECRETARY])
        .get(reverse("appraisal:cycle", args=[published.other_cycle.pk]))
        .status_code
        == 404
    )


# --- closing and archiving through the pages -------------------------------------------------------


def test_the_branch_secretary_closes_and_archives_on_the_cycle_page(
    scene, users, login, django_capture_on_commit_callbacks
):
    evaluate(scene.cycle, scene.member, "organization", 92, ballot=cycles.ORGANIZATION_BALLOT)
    client = login(users[Role.BRANCH_SECRETARY])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("appraisal:cycle_close", args=[scene.cycle.pk])).status_code == 302
    page = client.get(reverse("appraisal:cycle", args=[scene.cycle.pk])).content.decode()
    assert "已公示（挂旗）" in page and 'role="progressbar"' in page and "2/2 项" in page
    client.post(reverse("appraisal:cycle_archive", args=[scene.cycle.pk]))
    scene.cycle.refresh_from_db()
    assert scene.cycle.state == CycleState.ARCHIVED


def test_an_archived_cycle_refuses_every_write(scene, users, login):
    evaluate(scene.cycle, scene.member, "organization", 92, ballot=cycles.ORGANIZATION_BALLOT)
    cycles.close_cycle(cycle=scene.cycle, acting_user=None)
    cycles.archive(cycle=scene.cycle, acting_user=None)
    before = list(CycleResult.objects.values_list("id", "score", "rank", "flag"))
    evaluations = list(Evaluation.objects.values_list("id", "scores", "total"))
    committee = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    answer = _post_cell(
        committee,
        reverse("appraisal:grid_cell", args=[scene.cycle.pk]),
        scene.member,
        "organization",
        scene.items[0],
        "1",
    ).json()
    assert answer == {"ok": False, "error": "考核周期：2025 年度党员量化考核已归档，不能再评分"}
    grid = committee.get(reverse("appraisal:grid", args=[scene.cycle.pk])).content.decode()
    assert "不能再评分" in grid and " disabled" in grid and "data-url" not in grid
    committee.post(reverse("appraisal:workers_add", args=[scene.cycle.pk, scene.member.pk]), {"count": 2})
    member = login(users["member"])
    answer = _post_cell(
        member, reverse("appraisal:my_cell", args=[scene.cycle.pk]), scene.member, "self", scene.items[0], "1"
    ).json()
    assert "已归档" in answer["error"]
    secretary = login(users[Role.BRANCH_SECRETARY])
    response = secretary.post(reverse("appraisal:cycle_close", args=[scene.cycle.pk]), follow=True)
    assert "已归档，不能再结算" in response.content.decode()
    secretary.post(reverse("appraisal:cycle_archive", args=[scene.cycle.pk]))
    assert list(CycleResult.objects.values_list("id", "score", "rank", "flag")) == before
    assert list(Evaluation.objects.values_list("id", "scores", "total")) == evaluations


# --- cycles and the rubric pages ---------------------------------------------------------------


def test_a_branch_secretary_opens_a_cycle_on_the_page(tree, users, login):
    client = login(users[Role.BRANCH_SECRETARY])
    data = {
        "organization": tree.branch1.pk,
        "kind": "quarterly",
        "year": 2026,
        "quarter": 1,
        "weight_self": 10,
        "weight_peer": 30,
        "weight_worker": 20,
        "weight_organization": 40,
    }
    response = client.post(reverse("appraisal:cycle_open"), data)
    assert response.status_code == 302
    assert "2026 年第1季度党员量化考核" in client.get(response.url).content.decode()


def test_wrong_weights_on_the_page_name_the_field(tree, users, login):
    data = {
        "organization": tree.branch1.pk,
        "kind": "yearly",
        "year": 2026,
        "weight_self": 10,
        "weight_peer": 30,
        "weight_worker": 20,
        "weight_organization": 30,
    }
    response = login(users[Role.BRANCH_SECRETARY]).post(reverse("appraisal:cycle_open"), data)
    assert response.status_code == 422
    assert (
        "权重：四项之和应为 100，实为 90（个人自评 10 + 党员互评 30 + 群众参评 20 + 组织考评 30）"
        in response.content.decode()
    )


def test_a_branch_secretary_cannot_open_a_cycle_for_another_branch(tree, users, login):
    data = {
        "organization": tree.branch2.pk,
        "kind": "yearly",
        "year": 2026,
        "weight_self": 10,
        "weight_peer": 30,
        "weight_worker": 20,
        "weight_organization": 40,
    }
    response = login(users[Role.BRANCH_SECRETARY]).post(reverse("appraisal:cycle_open"), data)
    assert response.status_code == 422 and "管理范围内" in response.content.decode()


def test_the_cycle_list_query_count_is_constant(tree, users, login, django_assert_max_num_queries):
    client = login(users[Role.ORG_DEPARTMENT])
    open_cycle(tree.branch1)
    client.get(reverse("appraisal:cycles"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("appraisal:cycles"))
    for year in range(2015, 2024):
        open_cycle(tree.branch2, year=year)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("appraisal:cycles"))


def test_the_score_total_is_exact(scene, users, login):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    url = reverse("appraisal:grid_cell", args=[scene.cycle.pk])
    for item, value in zip(scene.items[:3], ("0.1", "0.2", "0.3"), strict=True):
        answer = _post_cell(client, url, scene.member, "organization", item, value).json()
    assert answer["total"] == "0.6" and Evaluation.objects.get().total == Decimal("0.6")
