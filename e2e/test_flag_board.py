"""挂旗 in the browser: a branch of 40 members sees its published flag board with each
flag in its colour, shows it on a meeting room's large screen and prints it on one A4
page; the branch secretary then holds a talk with a member flagged yellow, follows it
up and closes it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from vanguard.appraisal import talks
from vanguard.appraisal.tests.factories import make_cycle, make_members, make_results, spread
from vanguard.people.models import Person

from .test_register_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COLOURS = {
    "red": "rgb(215, 38, 30)",
    "yellow": "rgb(242, 189, 0)",
    "blue": "rgb(31, 111, 209)",
    "grey": "rgb(138, 145, 153)",
}


@pytest.fixture
def published(tree, users, make_person):
    """综采一队 with 40 members (李党员 at 85, yellow) in 一矿's published yearly cycle."""
    cycle = make_cycle(tree.mine1, published_on=timezone.localdate() - timedelta(days=5))
    members = make_members(make_person, tree.branch1, [tree.group1, tree.group2], 39)
    lee = Person.objects.get(name="李党员")
    make_results(cycle, [(lee, 85), *zip(members, spread(39), strict=True)])
    talks.create_talks_for(cycle=cycle, acting_user=None)
    return cycle


def _first_with(page, flag):
    return page.locator(f'#board li.member[data-flag="{flag}"]').first


def test_the_board_shows_every_flag_in_its_colour_on_screen_and_on_paper(
    live_server, tree, published, page, shot, printed_pages
):
    login(page, live_server.url, "member1")  # 李党员, a plain member: the board is published to the branch
    page.goto(f"{live_server.url}/appraisal/board/")
    page.get_by_role("link", name="查看评比台").click()
    board = page.locator("#board")
    expect(board).to_contain_text("综采一队党支部 · 党员量化考核评比台")
    expect(board.locator("li.member")).to_have_count(40)
    for flag, label in (("red", "红旗"), ("yellow", "黄旗"), ("blue", "蓝旗"), ("grey", "灰旗")):
        card = _first_with(page, flag)
        expect(card).to_contain_text(label)  # the colour is named, for print and colour-blind readers
        fill = card.locator(".cloth").evaluate("el => getComputedStyle(el).fill")
        assert fill == COLOURS[flag], (flag, fill)
    lee = page.locator("#board li.member", has_text="李党员")
    expect(lee).to_have_attribute("data-flag", "yellow")
    expect(lee).to_contain_text("85.0 分")
    counts = page.locator("#flag-counts")
    reds = published.results.filter(branch=tree.branch1, flag="red").count()
    expect(counts.locator('[data-flag="red"]')).to_contain_text(f"红旗 {reds} 人")
    expect(board).not_to_contain_text("评价人")
    shot(page, "flag-board")

    assert printed_pages(page) == 1  # 40 members on one A4 page

    page.get_by_role("link", name="按党小组").click()
    expect(page.locator("[data-section]").first).to_contain_text("第一党小组")
    shot(page, "flag-board-by-group")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(board.locator("li.member").first).to_be_visible()
    shot(page, "flag-board-phone")


def test_the_large_screen_fills_the_screen_with_big_type(live_server, tree, published, page, shot):
    login(page, live_server.url, "branch1_secretary")
    page.goto(f"{live_server.url}/appraisal/board/{published.pk}/{tree.branch1.pk}/")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_role("link", name="大屏展示").click()
    screen = page.locator("#board-screen")
    expect(screen).to_be_visible()
    expect(page.locator(".topbar")).to_have_count(0)  # no navigation chrome
    cards = screen.locator("li.member")
    expect(cards).to_have_count(40)
    last = cards.last.bounding_box()
    assert last["y"] + last["height"] <= 1080  # every member on the screen, no scrolling
    name_px = float(cards.first.locator(".name").evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert name_px >= 28, name_px  # readable from across a meeting room
    expect(cards.first).to_contain_text("红旗")
    fill = cards.first.locator(".cloth").evaluate("el => getComputedStyle(el).fill")
    assert fill == COLOURS["red"]
    shot(page, "flag-board-screen")


def test_the_secretary_records_a_talk_follows_it_up_and_closes_it(live_server, tree, published, page, shot):
    login(page, live_server.url, "branch1_secretary")
    page.goto(f"{live_server.url}/appraisal/board/{published.pk}/{tree.branch1.pk}/")
    page.get_by_role("link", name="谈话任务").click()
    rows = page.locator("#talks tbody tr")
    expect(rows.first).to_contain_text("待谈话")
    shot(page, "talk-list")
    page.locator("#talks").get_by_role("link", name="李党员").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("谈话任务：李党员")
    expect(page.locator("#talk")).to_contain_text("黄旗")

    form = page.locator("#record-form")
    form.get_by_label("指出的问题").fill("班前会发言少，在安全生产上的带头作用不明显")
    form.get_by_label("整改措施（党员承诺）").fill("每周在班前会讲一次安全要点，带好两名新工人")
    form.get_by_role("button", name="保存谈话记录").click()
    expect(page.locator(".msg-success")).to_contain_text("谈话已记录")
    expect(page.locator("#state")).to_have_text("已谈话，跟踪整改")
    expect(page.locator("#entries")).to_contain_text("班前会发言少")

    follow = page.locator("#follow-up-form")
    follow.get_by_label("情况记录").fill("已在班前会讲了两次安全要点")
    follow.get_by_role("button", name="保存回访记录").click()
    expect(page.locator("#entries tbody tr")).to_have_count(2)

    close = page.locator("#close-form")
    close.get_by_label("销号意见").fill("整改到位，同意销号")
    close.get_by_role("button", name="整改到位，销号").click()
    expect(page.locator("#state")).to_have_text("已销号")
    expect(page.locator("#record-form, #follow-up-form, #close-form")).to_have_count(0)
    shot(page, "talk-closed")
