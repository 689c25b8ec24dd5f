"""填卡 in a real browser: a member fills and submits their goal card, the branch secretary
confirms it and gives a task X, the member self-checks the first quarter, the secretary
reviews it; the card prints on one A4 page and the overview reads on a phone."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTS = {
    "年度工作目标": "全年安全生产无事故，个人零“三违”",
    "争优措施": "班前会讲安全，每班排查隐患",
    "承诺事项": "不违章、不蛮干，带头遵守作业规程",
    "学习提升计划": "每月学习一次党章党规，考取采煤机司机证",
    "联系服务群众": "联系帮扶本班两名青工",
}


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def logout(page):
    page.get_by_role("button", name="退出").click()


def test_fill_confirm_task_self_check_review(live_server, users, page, shot, printed_pages):
    base = live_server.url

    # The member fills the five parts and submits the card.
    login(page, base, "member1")
    page.get_by_role("link", name="填卡", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("党员争优目标计划卡")
    for label, text in PARTS.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="提交支部确认").click()
    expect(page.locator("#card-state")).to_have_text("已提交，待支部确认")
    logout(page)

    # The branch secretary finds it on the overview and confirms it.
    login(page, base, "branch1_secretary")
    page.get_by_role("link", name="填卡", exact=True).click()
    row = page.locator("#cards-table tr", has_text="李党员")
    expect(row).to_contain_text("已提交，待支部确认")
    row.get_by_role("link", name="李党员").click()
    page.get_by_role("button", name="确认目标卡").click()
    expect(page.locator("#card-state")).to_have_text("支部已确认")

    # … and gives a task X to the members ticked on the overview.
    page.get_by_role("link", name="本支部目标卡").click()
    page.get_by_label("选择李党员").check()
    page.get_by_label("任务").fill("帮教一名新工人")
    page.get_by_label("要求").fill("每月谈心一次，教会安全确认")
    page.get_by_label("完成期限").fill(f"{_year()}-12-31")
    page.get_by_role("button", name="给选中的党员布置任务").click()
    expect(page.get_by_role("status")).to_contain_text("已给 1 名党员布置任务")
    shot(page, "goal-cards-overview")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#cards-table")).to_contain_text("李党员")
    shot(page, "goal-cards-overview-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    logout(page)

    # The member self-checks the first quarter.
    login(page, base, "member1")
    page.get_by_role("link", name="填卡", exact=True).click()
    expect(page.locator("#card-grid")).to_contain_text("帮教一名新工人")
    page.get_by_role("link", name="第一季度自查").first.click()
    for label in PARTS:
        page.get_by_label(label).fill(f"{label}：一季度按计划完成")
    page.locator("textarea[name^='task:']").fill("已谈心三次")
    page.get_by_label("已完成“帮教一名新工人”").check()
    page.get_by_role("button", name="提交支部审核").click()
    expect(page.locator("#check-state")).to_have_text("待支部审核")
    logout(page)

    # The secretary reviews it; the review then shows on the card.
    login(page, base, "branch1_secretary")
    page.get_by_role("link", name="填卡", exact=True).click()
    page.locator("#cards-table tr", has_text="李党员").get_by_role("link", name="李党员").click()
    page.get_by_role("link", name="第一季度自查").first.click()
    page.get_by_label("较好").check()
    page.get_by_label("支部意见").fill("完成较好，学习计划要抓紧")
    page.get_by_role("button", name="审核").click()
    expect(page.locator("#review")).to_contain_text("较好")
    expect(page.locator("#review-form")).to_have_count(0)
    page.get_by_role("link", name="年度目标卡").click()
    grid = page.locator("#card-grid")
    expect(grid).to_contain_text("完成较好，学习计划要抓紧")
    expect(grid).to_contain_text("✓ 已完成")
    assert printed_pages(page) == 1

    # A whole year — four self-checks and reviews with ordinary-length text — still
    # prints on one A4 page.
    _fill_the_other_quarters(users)
    page.reload()
    expect(grid).to_contain_text("第四季度：")
    shot(page, "goal-card")
    assert printed_pages(page) == 1  # card, task, four quarters and reviews on one A4 page
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "goal-card-phone")


def _fill_the_other_quarters(users):
    from datetime import date

    from vanguard.appraisal import cards
    from vanguard.appraisal.models import GoalCard

    card = GoalCard.objects.get(person__name="李党员")
    year_end = date(card.year, 12, 31)
    for quarter, name in [(2, "第二季度"), (3, "第三季度"), (4, "第四季度")]:
        progress = {
            key: f"{name}：{label}按计划推进，完成本季度任务，无“三违”记录" for key, label in cards.PARTS
        }
        progress |= {f"task:{t.pk}": f"{name}：谈心两次，新工人已能独立操作" for t in card.tasks.all()}
        check = cards.save_check(
            card=card,
            quarter=quarter,
            progress=progress,
            done_tasks=[],
            acting_user=users["member"],
            submit=True,
            today=year_end,
        )
        cards.review_check(
            check=check,
            verdict="ordinary",
            comment="完成一般，联系群众要更主动，学习计划要抓紧落实",
            acting_user=users["branch_secretary"],
        )


def _year():
    from django.utils import timezone

    return timezone.localdate().year
