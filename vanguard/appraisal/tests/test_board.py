"""挂旗: the flag board of a branch (评比台), the large screen, the committee's overview and
who may see them (issue 4 point 9, seed 004)."""

import re

import pytest
from django.urls import reverse

from vanguard.accounts.models import Role
from vanguard.appraisal.models import CycleState
from vanguard.appraisal.tests.factories import archive, make_cycle, make_members, make_results, spread
from vanguard.appraisal.views.board import screen_grid
from vanguard.people.models import Person


def _flag_of(html: str, person) -> str | None:
    found = re.search(rf'data-flag="(\w+)" data-person="{person.pk}"', html)
    return found.group(1) if found else None


@pytest.fixture
def lee(users):
    return Person.objects.get(name="李党员")


@pytest.fixture
def cycle(tree):
    """A published yearly cycle of 一矿党委 (all its branches)."""
    return make_cycle(tree.mine1)


@pytest.fixture
def branch1_results(tree, users, make_person, cycle, lee):
    """综采一队: 李党员 (第一党小组) 92 red, 周黄 (第二党小组) 85 yellow, 吴蓝 75 blue, 郑灰 60 grey."""
    yellow = make_person(tree.branch1, name="周黄", group=tree.group2)
    blue = make_person(tree.branch1, name="吴蓝", group=tree.group1)
    grey = make_person(tree.branch1, name="郑灰", group=tree.group2)
    make_results(cycle, [(lee, 92), (yellow, 85), (blue, 75), (grey, 60)])
    return {"red": lee, "yellow": yellow, "blue": blue, "grey": grey}


def _board_url(cycle, branch, **params):
    url = reverse("appraisal:board", args=[cycle.pk, branch.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


# --- what the board shows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "flag"),
    [
        (100, "red"),
        (90, "red"),
        (89.9, "yellow"),
        (80, "yellow"),
        (79.9, "blue"),
        (70, "blue"),
        (69.9, "grey"),
        (0, "grey"),
    ],
)
def test_each_member_hangs_the_flag_of_their_score(tree, users, login, cycle, lee, score, flag):
    make_results(cycle, [(lee, score)])
    html = login(users[Role.BRANCH_SECRETARY]).get(_board_url(cycle, tree.branch1)).content.decode()
    assert _flag_of(html, lee) == flag
    assert f"{score:g} 分" in html or f"{score}" in html


def test_the_board_shows_name_score_rank_and_the_flag_in_words(tree, users, login, cycle, branch1_results):
    response = login(users["member"]).get(_board_url(cycle, tree.branch1))
    assert response.status_code == 200
    html = response.content.decode()
    for flag, person in branch1_results.items():
        assert _flag_of(html, person) == flag
    # The colour is also written out (print, colour-blind readers).
    assert re.search(
        r'李党员</span><span class="facts"><span class="score">92\.0 分</span> · <span class="flag-name">红旗</span></span>'
        r'<span class="facts">第 1 名',
        html,
    )
    assert "郑灰" in html and "60.0 分" in html and "第 4 名" in html and "灰旗" in html


def test_the_counts_per_flag_head_the_board(tree, users, login, cycle, branch1_results, make_person):
    make_results(cycle, [(make_person(tree.branch1, name="钱红", group=tree.group1), 95)])
    html = login(users[Role.BRANCH_SECRETARY]).get(_board_url(cycle, tree.branch1)).content.decode()
    counts = dict(re.findall(r'class="count [^"]*" data-flag="(\w+)" data-count="(\d+)"', html))
    assert counts == {"red": "2", "yellow": "1", "blue": "1", "grey": "1"}
    assert "共 5 名党员" in html


def test_the_board_groups_by_flag_or_by_party_group(tree, users, login, cycle, branch1_results):
    client = login(users[Role.BRANCH_SECRETARY])
    by_flag = client.get(_board_url(cycle, tree.branch1)).content.decode()
    assert re.findall(r'data-section="(\w+)"', by_flag) == ["red", "yellow", "blue", "grey"]
    by_group = client.get(_board_url(cycle, tree.branch1, by="group")).content.decode()
    sections = re.findall(r'data-section="(\w+)"', by_group)
    assert sections == [str(tree.group1.pk), str(tree.group2.pk)]
    first, second = by_group.split('data-section="')[1:3]
    assert "李党员" in first and "吴蓝" in first and "周黄" not in first
    assert "周黄" in second and "郑灰" in second


def test_the_board_never_names_an_evaluator(tree, users, login, cycle, lee):
    (result,) = make_results(cycle, [(lee, 88)])
    result.explanation = {"peer": {"evaluators": ["赵评价"], "mean": "88"}}
    result.save()
    html = login(users["member"]).get(_board_url(cycle, tree.branch1)).content.decode()
    assert "李党员" in html and "赵评价" not in html and "互评" not in html


@pytest.mark.parametrize("state", [CycleState.OPEN])
def test_a_cycle_not_yet_published_shows_nothing(tree, users, login, lee, state):
    cycle = make_cycle(tree.mine1, state=state)
    make_results(cycle, [(lee, 95)])
    for who in ("member", Role.BRANCH_SECRETARY):
        html = login(users[who]).get(_board_url(cycle, tree.branch1)).content.decode()
        assert "本周期尚未公示" in html
        assert _flag_of(html, lee) is None and "95.0" not in html


def test_an_archived_cycle_still_shows_its_board(tree, users, login, cycle, lee):
    make_results(cycle, [(lee, 91)])
    archive(cycle)
    html = login(users["member"]).get(_board_url(cycle, tree.branch1)).content.decode()
    assert _flag_of(html, lee) == "red" and "已归档" in html


# --- the large screen and print -------------------------------------------------------------


def test_the_large_screen_has_no_navigation_and_fits_the_members(tree, users, login, cycle, make_person):
    members = make_members(make_person, tree.branch1, [tree.group1, tree.group2], 40)
    make_results(cycle, list(zip(members, spread(40), strict=True)))
    response = login(users[Role.BRANCH_SECRETARY]).get(_board_url(cycle, tree.branch1, screen=1))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="topbar' not in html and "<nav" not in html
    assert 'data-cols="7" data-rows="6"' in html
    assert html.count('class="member ') == 40


@pytest.mark.parametrize(("n", "cols", "rows"), [(1, 1, 1), (12, 4, 3), (30, 6, 5), (40, 7, 6), (60, 9, 7)])
def test_the_screen_grid_holds_every_member(n, cols, rows):
    assert screen_grid(n) == (cols, rows)
    assert cols * rows >= n


def test_the_board_page_prints_without_the_navigation(tree, users, login, cycle, branch1_results):
    html = login(users[Role.BRANCH_SECRETARY]).get(_board_url(cycle, tree.branch1)).content.decode()
    assert "@media print" in html and 'class="toolbar row no-print"' in html and "data-print" in html


# --- who sees it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.COMMITTEE_ORGANIZER,
        Role.BRANCH_SECRETARY,
        Role.BRANCH_COMMITTEE_MEMBER,
        Role.GROUP_LEADER,
        "member",
    ],
)
def test_the_branch_and_those_above_see_the_whole_board(tree, users, login, cycle, branch1_results, who):
    html = login(users[who]).get(_board_url(cycle, tree.branch1)).content.decode()
    # The group leader of 第一党小组 and a plain member see 第二党小组's members too.
    assert _flag_of(html, branch1_results["yellow"]) == "yellow"
    assert _flag_of(html, branch1_results["grey"]) == "grey"


@pytest.mark.parametrize("who", [Role.BRANCH_SECRETARY, Role.GROUP_LEADER, "member"])
def test_another_branch_s_board_is_not_found(tree, users, login, make_person, who):
    cycle = make_cycle(tree.mine2)
    make_results(cycle, [(Person.objects.get(name="王外人"), 88)])
    assert login(users[who]).get(_board_url(cycle, tree.branch2)).status_code == 404


def test_a_member_of_another_branch_cannot_see_the_board(tree, users, login, cycle, branch1_results):
    assert login(users["outsider_member"]).get(_board_url(cycle, tree.branch1)).status_code == 404


def test_a_branch_outside_the_cycle_is_not_found(tree, users, login, lee):
    cycle = make_cycle(tree.mine2)
    assert login(users[Role.ORG_DEPARTMENT]).get(_board_url(cycle, tree.branch1)).status_code == 404


def test_a_committee_is_not_a_board(tree, users, login, cycle):
    assert login(users[Role.ORG_DEPARTMENT]).get(_board_url(cycle, tree.mine1)).status_code == 404


# --- constant queries -----------------------------------------------------------------------


@pytest.mark.parametrize("who", [Role.BRANCH_SECRETARY, "member"])
@pytest.mark.parametrize("size", [3, 24])
def test_the_board_takes_a_constant_number_of_queries(
    tree, users, login, make_person, cycle, django_assert_num_queries, who, size
):
    members = make_members(make_person, tree.branch1, [tree.group1, tree.group2], size)
    make_results(cycle, list(zip(members, spread(size), strict=True)))
    client = login(users[who])
    url = _board_url(cycle, tree.branch1, by="group")
    client.get(url)  # warm: the first request after logging in may differ
    # session, user, posts, cycle, branch, results (+ the member's own branch), and the
    # session saved again (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release)
    with django_assert_num_queries(9 if who == Role.BRANCH_SECRETARY else 10):
        response = client.get(url)
    assert response.content.decode().count('class="member ') == size


# --- the committee's overview ---------------------------------------------------------------


@pytest.fixture
def enterprise_cycle(tree, users, make_person, lee):
    cycle = make_cycle(tree.enterprise)
    office = make_members(make_person, tree.office_branch, [], 3, prefix="机关")
    make_results(
        cycle,
        [
            (lee, 95),
            (make_person(tree.branch1, name="周黄", group=tree.group2), 82),
            *zip(office, [91, 78, 66], strict=True),
            (Person.objects.get(name="王外人"), 72),
        ],
    )
    return cycle


def _overview_rows(html):
    return {
        int(b): tuple(int(n) for n in re.findall(r'data-label="(?:红旗|黄旗|蓝旗|灰旗)">(\d+)', row))
        for b, row in re.findall(r'<tr data-branch="(\d+)">(.*?)</tr>', html, re.S)
    }


def test_a_committee_sees_the_flags_of_each_of_its_branches(tree, users, login, enterprise_cycle):
    html = (
        login(users[Role.COMMITTEE_SECRETARY])
        .get(reverse("appraisal:board_overview", args=[enterprise_cycle.pk]))
        .content.decode()
    )
    assert _overview_rows(html) == {tree.branch1.pk: (1, 1, 0, 0), tree.office_branch.pk: (1, 0, 1, 1)}
    assert reverse("appraisal:board", args=[enterprise_cycle.pk, tree.branch1.pk]) in html


def test_a_branch_secretary_s_overview_holds_their_branch_only(tree, users, login, enterprise_cycle):
    html = (
        login(users[Role.BRANCH_SECRETARY])
        .get(reverse("appraisal:board_overview", args=[enterprise_cycle.pk]))
        .content.decode()
    )
    assert list(_overview_rows(html)) == [tree.branch1.pk]


def test_the_organisation_department_sees_every_branch(tree, users, login, enterprise_cycle):
    html = (
        login(users[Role.ORG_DEPARTMENT])
        .get(reverse("appraisal:board_overview", args=[enterprise_cycle.pk]))
        .content.decode()
    )
    assert set(_overview_rows(html)) == {tree.branch1.pk, tree.office_branch.pk, tree.branch2.pk}
    assert re.search(r'data-flag="red" data-count="2"', html)


def test_a_cycle_of_another_committee_has_no_overview_for_a_branch(tree, users, login):
    cycle = make_cycle(tree.mine2)
    url = reverse("appraisal:board_overview", args=[cycle.pk])
    assert login(users[Role.BRANCH_SECRETARY]).get(url).status_code == 404


@pytest.mark.parametrize("branches", [1, 4])
def test_the_overview_takes_a_constant_number_of_queries(
    tree, users, login, make_person, django_assert_num_queries, branches
):
    from vanguard.organizations.services import create_organization

    cycle = make_cycle(tree.mine1)
    for i in range(branches):
        b = create_organization(name=f"测试{i}党支部", kind="branch", parent=tree.mine1, acting_user=None)
        make_results(
            cycle,
            list(
                zip(
                    make_members(make_person, b, [], 3, prefix="测试"[: 1 + i % 2]), [95, 85, 65], strict=True
                )
            ),
        )
    client = login(users[Role.COMMITTEE_SECRETARY])
    url = reverse("appraisal:board_overview", args=[cycle.pk])
    client.get(url)  # warm: the first request after logging in may differ
    # session, user, posts, cycle, whether it is in scope, the aggregate; the session's save
    with django_assert_num_queries(9):
        html = client.get(url).content.decode()
    assert len(_overview_rows(html)) == branches


# --- the index ------------------------------------------------------------------------------


def test_a_member_finds_their_branch_board_from_the_index(tree, users, login, cycle, lee):
    make_cycle(tree.mine2, year=2024)  # 二矿's: not theirs
    make_cycle(tree.mine1, year=2026, state=CycleState.OPEN)  # not published yet
    html = login(users["member"]).get(reverse("appraisal:board_index")).content.decode()
    assert reverse("appraisal:board", args=[cycle.pk, tree.branch1.pk]) in html
    assert "2024 年度" not in html and "2026 年度" not in html


def test_a_committee_reaches_the_overview_from_the_index(tree, users, login, cycle):
    html = login(users[Role.COMMITTEE_SECRETARY]).get(reverse("appraisal:board_index")).content.decode()
    assert reverse("appraisal:board_overview", args=[cycle.pk]) in html


def test_the_cards_escape_what_people_typed():
    from decimal import Decimal

    from vanguard.appraisal.board import Entry
    from vanguard.appraisal.templatetags.flag_board import member_cards

    e = Entry(1, "<b>张三</b>", 2, '第一"小组"&', Decimal("85.0"), "yellow", 3, False)
    html = member_cards([e], show_group=True)
    assert "<b>" not in html and "&lt;b&gt;张三" in html and "&quot;小组&quot;&amp;" in html
    assert 'data-flag="yellow"' in html and "85.0 分" in html and "第 3 名" in html
