"""A branch secretary's day, in a real browser: log in, find a member, open the card,
reveal the ID number; import a roster with errors, then one that succeeds."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from vanguard.people.models import Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def test_login_search_and_member_card(live_server, users, page, shot, printed_pages):
    person = Person.objects.get(name="李党员")
    login(page, live_server.url, "branch1_secretary")
    page.get_by_label("查找人员").fill("ldy")
    page.get_by_role("button", name="查找").click()
    table = page.locator("#people-table")
    expect(table).to_contain_text("李党员")
    expect(table).not_to_contain_text(person.id_number)
    shot(page, "people-list")

    page.get_by_role("link", name="李党员").click()
    card = page.locator("#member-card")
    expect(card).to_contain_text("党员信息卡")
    expect(card).to_contain_text(person.id_number[-4:])
    expect(card).not_to_contain_text(person.id_number)
    page.get_by_role("button", name="显示完整身份证号").click()
    expect(card).to_contain_text(person.id_number)
    expect(page.get_by_role("button", name="显示完整身份证号")).to_have_count(0)
    shot(page, "member-card")
    assert printed_pages(page) == 1  # the member card (一卡) prints on one A4 page

    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "member-card-phone")


def test_live_search_updates_as_you_type(live_server, users, page):
    login(page, live_server.url, "orgdept")
    page.goto(f"{live_server.url}/people/")
    page.get_by_label("查找人员").press_sequentially("wangwai", delay=30)
    expect(page.locator("#people-table")).to_contain_text("王外人")
    expect(page.locator("#people-table")).not_to_contain_text("李党员")
    expect(page).to_have_url(re.compile(r"q=wangwai"))


def test_a_wrong_password_five_times_locks_the_account(live_server, users, page):
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.get_by_label("账号").fill("group1_leader")
        page.get_by_label("密码").fill("wrong")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("alert")).to_contain_text("不正确")
    page.get_by_label("账号").fill("group1_leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("锁定 30 分钟")


def _roster(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["综采一队党员花名册"])  # a title row above the header, as rosters have
    ws.append(
        ["姓名", "性别", "身份证号", "联系电话", "政治面貌", "入党日期", "转正日期", "所在党支部", "党小组"]
    )
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_with_errors_then_an_import_that_succeeds(live_server, users, page, shot, tmp_path):
    from datetime import date

    from vanguard.people.rules import compose_id_number

    good_id = compose_id_number("140105", date(1990, 5, 6), 201)
    bad = _roster(
        tmp_path / "bad.xlsx",
        [
            [
                "周新",
                "男",
                good_id,
                "13800001111",
                "正式党员",
                "2015.07.01",
                "2016年7月1日",
                "综采一队党支部",
                "第一党小组",
            ],
            [
                "吴错",
                "男",
                "140105199005060202",
                "12345",
                "正式党员",
                "2015-07-01",
                "2016-07-01",
                "不存在党支部",
                "",
            ],
        ],
    )
    login(page, live_server.url, "branch1_secretary")
    page.get_by_role("link", name="导入").click()
    page.goto(f"{live_server.url}/imports/roster/upload/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="上传并预览").click()
    errors = page.locator(".errors-table")
    expect(page.get_by_role("alert")).to_contain_text("未写入任何数据")
    expect(errors).to_contain_text("第 4 行")
    expect(errors).to_contain_text("身份证号")
    expect(errors).to_contain_text("所在党支部")
    shot(page, "import-errors")
    assert not Person.objects.filter(name="周新").exists()

    good = _roster(
        tmp_path / "good.xlsx",
        [
            [
                "周新",
                "男",
                good_id,
                "13800001111",
                "正式党员",
                "2015.07.01",
                "2016年7月1日",
                "综采一队党支部",
                "第一党小组",
            ],
        ],
    )
    page.goto(f"{live_server.url}/imports/roster/upload/")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("status")).to_contain_text("导入完成：新建 1")
    shot(page, "import-done")
    person = Person.objects.get(name="周新")
    assert person.join_date == date(2015, 7, 1) and person.full_member_date == date(2016, 7, 1)
    assert person.group.name == "第一党小组"
