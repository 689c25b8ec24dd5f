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


def test_login_search_and_member_card(live_server, users, page, shot):
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
