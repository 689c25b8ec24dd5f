"""整体结算 in the browser: a mine's party-committee secretary closes last month for every
branch of the committee from the month page and lands on the job's page with its
progress bar and each branch linked to its results; and a job still under way is
followed on its page without reloading (htmx polls it) until it is finished."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from vanguard.accounts.models import Role
from vanguard.assessment import batch, services
from vanguard.people.models import Person

from .test_register_flow import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MONTH = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month


@pytest.fixture
def committee(tree, users, make_person):
    """一矿党委: 综采一队党支部 (李党员 with a 三违 entry, and 钱党员) and 机关第一党支部 (周党员)."""
    make_person(tree.branch1, name="钱党员", group=tree.group1)
    make_person(tree.office_branch, name="周党员")
    rules = services.ensure_default_rules(organization=tree.branch1)
    violation = rules.items.get(name__startswith="三违")
    services.record_entry(
        person=Person.objects.get(name="李党员"), item=violation, on=MONTH.replace(day=5), acting_user=None
    )
    return tree


def test_the_committee_secretary_closes_every_branch_and_follows_a_link_to_the_results(
    live_server, committee, page, shot
):
    login(page, live_server.url, "mine1_secretary")
    page.goto(
        f"{live_server.url}{reverse('assessment:index')}?branch={committee.branch1.pk}&month={MONTH:%Y-%m}"
    )
    form = page.locator("#committee-close")
    expect(form.get_by_label("结算范围（党委或党总支）")).to_have_value(str(committee.mine1.pk))
    form.get_by_role("button", name="整体结算").click()

    job = page.locator("#batch-job")
    expect(job.locator(".batch-status")).to_have_text("已完成")
    expect(job.locator("progress")).to_have_attribute("value", "2")
    expect(job).to_contain_text("2 / 2（100%）")
    rows = job.locator("table.batch-items tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("综采一队党支部")
    expect(rows.nth(1)).to_contain_text("机关第一党支部")
    shot(page, "batch-close-done")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing runs off the side
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "batch-close-done-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    rows.nth(0).get_by_role("link", name="综采一队党支部").click()
    results = page.locator("#results")
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results.locator("tbody tr", has_text="李党员")).to_contain_text("90.0")  # 100 − 10 (三违)
    expect(results.locator("tbody tr", has_text="钱党员")).to_contain_text("100.0")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "month-results-phone")


def test_a_job_under_way_is_followed_on_its_page_until_it_is_finished(
    live_server, committee, users, page, monkeypatch
):
    monkeypatch.setattr(batch, "enqueue", lambda *args, **kwargs: None)  # as if no worker had it yet
    job = batch.request_committee_close(
        organization=committee.mine1, month=MONTH, acting_user=users[Role.COMMITTEE_SECRETARY]
    )
    login(page, live_server.url, "mine1_secretary")
    page.goto(live_server.url + reverse("assessment:batch_job", args=[job.pk]))
    box = page.locator("#batch-job")
    expect(box.locator(".batch-status")).to_have_text("排队中")
    expect(box).to_contain_text("已提交，等待后台处理")
    expect(box.locator("progress")).to_have_attribute("value", "0")

    batch.run_committee_close(job.pk)  # the worker's work, while the page stays open

    expect(box.locator(".batch-status")).to_have_text("已完成", timeout=10_000)  # polled every 2 s
    expect(box.locator("progress")).to_have_attribute("value", "2")
    expect(box.locator("table.batch-items tbody tr")).to_have_count(2)
    expect(box).not_to_contain_text("等待后台处理")
    assert "hx-trigger" not in box.evaluate("el => el.outerHTML")  # polling stopped
