"""The scoring grid in Chromium: a branch committee member types the organisation's scores
with the keyboard, sees the row total and the saved state, reloads and finds them; a
wrong value shows the Chinese message and is not saved; on a phone (390px) a score is
entered too."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from vanguard.appraisal import cycles
from vanguard.appraisal.models import Evaluation
from vanguard.people.models import Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


@pytest.fixture
def cycle(tree, users, make_person):
    for name in ("赵评一", "钱评二", "孙评三"):
        make_person(tree.branch1, name=name, group=tree.group2)
    return cycles.open_cycle(organization=tree.branch1, kind="yearly", year=2025, acting_user=None)


def _row(page, name):
    return page.locator("table.score-grid tbody tr", has=page.locator("th.who", has_text=name))


def test_typing_scores_with_the_keyboard_saves_them(live_server, cycle, page, shot):
    login(page, live_server.url, "branch1_committee")
    page.goto(f"{live_server.url}/appraisal/cycles/{cycle.pk}/")
    page.get_by_role("link", name="组织考评评分表").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("组织考评评分表")
    row = _row(page, "李党员")
    cells = row.locator("input.cell")
    expect(cells).to_have_count(18)

    cells.nth(0).click()
    page.keyboard.type("4.5")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # Enter goes on to the next cell, like Tab
    expect(cells.nth(2)).to_be_focused()
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(row.locator("[data-total]")).to_have_text("13.5")
    expect(row.locator(".row-state")).to_have_text("已保存")
    expect(page.locator("#grid-status")).to_have_text("所有修改已保存")

    page.keyboard.press("ArrowDown")  # the same item in the next member's row
    next_row = page.locator("table.score-grid tbody tr").nth(1)
    expect(next_row.locator("input.cell").nth(3)).to_be_focused()
    shot(page, "appraisal-grid")

    page.reload()
    cells = _row(page, "李党员").locator("input.cell")
    expect(cells.nth(0)).to_have_value("4.5")
    expect(cells.nth(1)).to_have_value("5")
    expect(cells.nth(2)).to_have_value("4")
    expect(_row(page, "李党员").locator("[data-total]")).to_have_text("13.5")


def test_a_wrong_value_shows_the_chinese_message_and_is_not_saved(live_server, cycle, page):
    login(page, live_server.url, "branch1_committee")
    page.goto(f"{live_server.url}/appraisal/cycles/{cycle.pk}/grid/")
    row = _row(page, "李党员")
    cell = row.locator("input.cell").first
    cell.fill("7")
    cell.press("Enter")
    error = row.locator(".cell-error")
    expect(error).to_contain_text("应在 0 至 5 分之间，实为 7")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#grid-status")).to_contain_text("有 1 格未保存")
    expect(row.locator("[data-total]")).to_have_text("0")
    assert not Evaluation.objects.exists()

    cell.fill("3")
    cell.press("Enter")
    expect(error).to_have_count(0)
    expect(row.locator("[data-total]")).to_have_text("3")
    page.reload()
    expect(_row(page, "李党员").locator("input.cell").first).to_have_value("3")


def test_a_score_is_entered_on_a_phone(live_server, cycle, browser, shot):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, "branch1_committee")
        page.goto(f"{live_server.url}/appraisal/cycles/{cycle.pk}/grid/")
        row = _row(page, "孙评三")
        who = row.locator("th.who")
        cell = row.locator("input.cell").nth(9)
        cell.scroll_into_view_if_needed()
        cell.tap()
        page.keyboard.type("6.5")
        page.keyboard.press("Enter")
        expect(row.locator("[data-total]")).to_have_text("6.5")
        expect(row.locator(".row-state")).to_have_text("已保存")
        # the member's name stays in view while the items scroll under it
        box = who.bounding_box()
        assert box is not None and 0 <= box["x"] < 40, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # only the grid scrolls
        shot(page, "appraisal-grid-phone")
        person = Person.objects.get(name="孙评三")
        assert Evaluation.objects.get(subject=person).total == 6.5
    finally:
        context.close()
