"""Closing a month for a whole committee as one background job (issue 4, "Batch work").

1. In process (the embedded default, CELERY_TASK_ALWAYS_EAGER): every branch closed,
   the progress written after each, published branches skipped, twice gives one set,
   a worker interrupted inside a branch leaves each branch whole or untouched, scope.
2. The pages: the 整体结算 button for committee-level users, the job page and its polling.
3. Real Celery on the real Redis of the machine (CI starts one): a worker in a thread
   closes a committee through the broker; a worker in a separate process is SIGKILLed
   inside a branch, and a new request completes the work with one set of results.
   Without Redis these skip, except under CI, where they fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Role
from vanguard.assessment import batch, services
from vanguard.assessment.models import MonthClose, MonthlyResult
from vanguard.assessment.tasks import close_branches_task
from vanguard.core import batch as core_batch
from vanguard.core.errors import DomainError
from vanguard.core.models import AuditEntry, BatchJob
from vanguard.people.models import Person

TODAY = timezone.localdate()
MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
ON = MONTH.replace(day=5)


class Committee:
    """一矿党委 (mine1): 综采一队党支部 (3 members) and, under 机关党总支, 机关第一党支部
    (2); 二矿党委's 掘进二队党支部 (1, 王外人) lies outside."""


@pytest.fixture
def committee(tree, users, make_person):
    c = Committee()
    c.tree = tree
    make_person(tree.branch1, name="钱党员", group=tree.group1)
    make_person(tree.branch1, name="孙党员", group=tree.group2)
    make_person(tree.office_branch, name="周党员")
    make_person(tree.office_branch, name="吴党员")
    rules = services.ensure_default_rules(organization=tree.branch1)
    violation = rules.items.get(name__startswith="三违")
    services.record_entry(person=Person.objects.get(name="李党员"), item=violation, on=ON, acting_user=None)
    c.sizes = {tree.branch1.pk: 3, tree.office_branch.pk: 2}
    c.secretary = users[Role.COMMITTEE_SECRETARY]
    return c


def results_by_branch(month=MONTH):
    found = {}
    for branch_id in MonthlyResult.objects.filter(month=month).values_list("close__branch_id", flat=True):
        found[branch_id] = found.get(branch_id, 0) + 1
    return found


def close_committee(committee, user=None, capture=None):
    with capture(execute=True):
        job = batch.request_committee_close(
            organization=committee.tree.mine1, month=MONTH, acting_user=user or committee.secretary
        )
    job.refresh_from_db()
    return job


# --- 1. in process -------------------------------------------------------------------------------


def test_the_committee_secretary_closes_every_branch_of_the_committee(
    committee, django_capture_on_commit_callbacks
):
    job = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert (job.status, job.total, job.done, job.skipped, job.failed) == ("done", 2, 2, 0, 0)
    assert results_by_branch() == committee.sizes  # 掘进二队 (二矿) is not touched
    assert [r["label"] for r in job.items] == ["综采一队党支部", "机关第一党支部"]
    assert job.started_by == committee.secretary and job.percent == 100
    assert AuditEntry.objects.filter(action="assessment.batch_close", object_id=str(job.pk)).count() == 1


def test_the_progress_is_written_after_each_branch(
    committee, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []
    real = services.close_months

    def close_months(**kwargs):
        seen.append(BatchJob.objects.get().done)
        return real(**kwargs)

    monkeypatch.setattr(services, "close_months", close_months)
    job = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert seen == [0, 1] and job.done == job.total == 2


def test_a_published_branch_is_skipped_not_failed(committee, django_capture_on_commit_callbacks):
    office = committee.tree.office_branch
    close = services.close_month(branch=office, month=MONTH, acting_user=None)
    services.publish(close=close, acting_user=None)
    before = sorted(MonthlyResult.objects.filter(close=close).values_list("pk", flat=True))
    job = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert (job.status, job.done, job.skipped, job.failed, job.succeeded) == ("done", 2, 1, 0, 1)
    skipped = next(r for r in job.items if r["id"] == office.pk)
    assert skipped["outcome"] == "skipped" and "已通报" in skipped["message"]
    assert sorted(MonthlyResult.objects.filter(close=close).values_list("pk", flat=True)) == before


def test_closing_twice_gives_one_set_of_results(committee, django_capture_on_commit_callbacks):
    first = close_committee(committee, capture=django_capture_on_commit_callbacks)
    second = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert first.pk != second.pk and {first.status, second.status} == {"done"}
    assert results_by_branch() == committee.sizes
    assert MonthClose.objects.filter(month=MONTH).count() == 2


def test_a_message_delivered_again_changes_nothing(committee, django_capture_on_commit_callbacks):
    job = close_committee(committee, capture=django_capture_on_commit_callbacks)
    results = sorted(MonthlyResult.objects.values_list("pk", flat=True))
    close_branches_task(job.pk)
    assert sorted(MonthlyResult.objects.values_list("pk", flat=True)) == results
    assert BatchJob.objects.get(pk=job.pk).finished_at == job.finished_at


def test_a_second_request_while_the_first_is_under_way_answers_the_first(committee):
    first = batch.request_committee_close(
        organization=committee.tree.mine1, month=MONTH, acting_user=committee.secretary
    )
    again = batch.request_committee_close(
        organization=committee.tree.mine1, month=MONTH, acting_user=committee.secretary
    )
    assert again == first and BatchJob.objects.count() == 1 and first.status == "queued"


def test_a_failing_branch_is_reported_and_the_others_are_closed(
    committee, django_capture_on_commit_callbacks, monkeypatch
):
    real = services.close_months

    def close_months(*, branches, **kwargs):
        if committee.tree.office_branch.pk in {b.pk for b in branches}:
            raise DomainError("考评办法：本月无可用版本", field="考评办法")
        return real(branches=branches, **kwargs)

    monkeypatch.setattr(services, "close_months", close_months)
    job = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert (job.status, job.failed, job.succeeded) == ("done", 1, 1)
    assert job.items[1]["message"] == "考评办法：本月无可用版本"
    assert results_by_branch() == {committee.tree.branch1.pk: 3}


class Killed(BaseException):
    """Stands for the end of the process: not an Exception, nothing catches it."""


def test_an_interruption_inside_a_branch_leaves_it_untouched_and_a_new_request_completes(
    committee, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """In process, the same as the SIGKILL test below: interrupted inside the second
    branch's transaction, after its results were written."""
    from vanguard.core import audit

    real = audit.record_many
    closes = []

    def record_many(**kwargs):
        found = real(**kwargs)
        if kwargs["action"] == "assessment.close":
            closes.extend(obj.branch_id for obj, _ in kwargs["entries"])
            if len(closes) == 2:
                raise Killed
        return found

    monkeypatch.setattr(audit, "record_many", record_many)
    with pytest.raises(Killed):
        close_committee(committee, capture=django_capture_on_commit_callbacks)
    job = BatchJob.objects.get()
    assert (job.status, job.done) == ("running", 1)
    assert results_by_branch() == {committee.tree.branch1.pk: 3}  # the second: nothing
    assert not job.interrupted
    monkeypatch.setattr(audit, "record_many", real)
    settings.BATCH_JOB_STALE_AFTER = 0  # as if ten minutes went by without progress
    job.refresh_from_db()
    assert job.interrupted

    again = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert again.pk != job.pk and (again.status, again.done, again.failed) == ("done", 2, 0)
    assert results_by_branch() == committee.sizes
    job.refresh_from_db()
    assert job.status == "failed" and f"已由任务 {again.pk} 重新执行" in job.error


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_leave_one_set(committee):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; PostgreSQL runs this with row locks")
    jobs = [
        core_batch.create(
            kind=batch.KIND,
            label="整体结算",
            scope_id=committee.tree.mine1.pk,
            params={"month": f"{MONTH:%Y-%m}", "branches": list(committee.sizes)},
            total=2,
        )
        for _ in range(2)
    ]
    errors = []

    def run(job):
        try:
            batch.run_committee_close(job.pk)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [BatchJob.objects.get(pk=j.pk).status for j in jobs] == ["done", "done"]
    assert results_by_branch() == committee.sizes


@pytest.mark.parametrize(
    ("role", "org", "allowed"),
    [
        (Role.ORG_DEPARTMENT, "enterprise", True),
        (Role.COMMITTEE_SECRETARY, "mine1", True),
        (Role.COMMITTEE_ORGANIZER, "general", True),
        (Role.COMMITTEE_SECRETARY, "mine2", False),
        (Role.COMMITTEE_SECRETARY, "enterprise", False),
        (Role.BRANCH_SECRETARY, "branch1", True),  # a branch alone works too
        (Role.BRANCH_SECRETARY, "mine1", False),
        (Role.BRANCH_COMMITTEE_MEMBER, "branch1", False),
        (Role.GROUP_LEADER, "branch1", False),
    ],
)
def test_who_may_close_a_whole_organisation(committee, users, role, org, allowed):
    organization = getattr(committee.tree, org)
    if allowed:
        job = batch.request_committee_close(organization=organization, month=MONTH, acting_user=users[role])
        assert job.total == batch.branches_under(organization).count()
        return
    with pytest.raises(DomainError) as e:
        batch.request_committee_close(organization=organization, month=MONTH, acting_user=users[role])
    assert e.value.problems[0].message == "组织：不在您的管理范围内，不能整体结算"
    assert e.value.problems[0].field == "组织" and BatchJob.objects.count() == 0


@pytest.mark.parametrize(
    ("org", "month", "message"),
    [
        ("group1", MONTH, "组织：党小组不单独结算，请选择党委、党总支或党支部"),
        ("mine1", (TODAY.replace(day=28) + timedelta(days=5)).replace(day=1), "月份：尚未开始，不能结算"),
    ],
)
def test_a_party_group_or_a_month_not_begun_is_refused(committee, org, month, message):
    with pytest.raises(DomainError) as e:
        batch.request_committee_close(
            organization=getattr(committee.tree, org), month=month, acting_user=None
        )
    assert e.value.messages == [message]


# --- runs of branches (a large committee: decision 0011) -----------------------------------------


def result_rows(month=MONTH):
    return sorted(
        MonthlyResult.objects.filter(month=month).values_list(
            "person_id",
            "close__branch_id",
            "rules_id",
            "score",
            "group_rank",
            "branch_rank",
            "qualified",
            "penalty",
            "explanation",
        )
    )


def test_a_run_of_branches_gives_the_results_of_closing_each_branch_alone(committee, make_person):
    tree = committee.tree
    make_person(tree.branch2, name="王党员", group=tree.group3)
    rules = services.ensure_default_rules(organization=tree.branch1)
    bonus = rules.items.get(name__startswith="合理化")
    for name in ("周党员", "王党员"):
        services.record_entry(person=Person.objects.get(name=name), item=bonus, on=ON, acting_user=None)
    run = [tree.branch1, tree.office_branch, tree.branch2]
    for branch in run:
        services.close_month(branch=branch, month=MONTH, acting_user=None)
    alone = result_rows()
    closed = services.close_months(branches=run, month=MONTH, acting_user=None)  # drafts: closed again
    assert {pk: (c.members, c.refused) for pk, c in closed.items()} == {
        tree.branch1.pk: (3, ""),
        tree.office_branch.pk: (2, ""),
        tree.branch2.pk: (2, ""),
    }
    assert result_rows() == alone and len(alone) == 7
    assert MonthClose.objects.filter(month=MONTH, closed_at__isnull=False).count() == 3
    audited = AuditEntry.objects.filter(action="assessment.close").order_by("id")
    assert [a.summary for a in audited][-3:] == [
        f"综采一队党支部 {MONTH:%Y-%m} 月度考评结算（3 人）",
        f"机关第一党支部 {MONTH:%Y-%m} 月度考评结算（2 人）",
        f"掘进二队党支部 {MONTH:%Y-%m} 月度考评结算（2 人）",
    ]


def test_a_run_takes_the_same_statements_for_one_branch_or_several(committee, make_person):
    """Closing is a fixed number of statements per run, not per branch (decision 0011)."""
    tree = committee.tree
    make_person(tree.branch2, name="王党员", group=tree.group3)
    with CaptureQueriesContext(connection) as one:
        services.close_months(branches=[tree.office_branch], month=MONTH, acting_user=None)
    with CaptureQueriesContext(connection) as several:
        services.close_months(
            branches=[tree.branch1, tree.branch2], month=MONTH.replace(year=MONTH.year - 1), acting_user=None
        )
    assert len(several.captured_queries) == len(one.captured_queries) <= 10
    assert MonthlyResult.objects.count() == 2 + 3 + 2


def test_a_run_with_a_published_branch_closes_the_others_and_leaves_it_as_it_was(committee):
    tree = committee.tree
    close = services.close_month(branch=tree.office_branch, month=MONTH, acting_user=None)
    services.publish(close=close, acting_user=None)
    before = result_rows()
    closed = services.close_months(branches=[tree.branch1, tree.office_branch], month=MONTH, acting_user=None)
    assert closed[tree.office_branch.pk].refused == f"月份：{MONTH:%Y-%m} 已通报（异议期），不能重新结算"
    assert closed[tree.branch1.pk].refused == "" and closed[tree.branch1.pk].members == 3
    assert [r for r in result_rows() if r[1] == tree.office_branch.pk] == before
    with pytest.raises(DomainError) as e:
        services.close_month(branch=tree.office_branch, month=MONTH, acting_user=None)
    assert e.value.messages == [f"月份：{MONTH:%Y-%m} 已通报（异议期），不能重新结算"]


def test_a_run_outside_the_users_scope_is_refused_whole(committee, users):
    tree = committee.tree
    with pytest.raises(DomainError) as e:
        services.close_months(
            branches=[tree.branch1, tree.branch2], month=MONTH, acting_user=users[Role.COMMITTEE_SECRETARY]
        )
    assert e.value.messages == ["党支部：不在您的管理范围内"]
    assert MonthlyResult.objects.count() == 0 and MonthClose.objects.count() == 0


def test_a_large_committee_is_closed_in_runs_and_an_interruption_leaves_the_whole_run_untouched(
    committee, django_capture_on_commit_callbacks, monkeypatch, settings
):
    """With two progress steps at most, 一矿党委's two branches are one run: killed inside
    it, neither branch has results; the new request closes both, in one run."""
    from vanguard.core import audit

    monkeypatch.setattr(core_batch, "PROGRESS_WRITES", 1)
    runs = []
    real = services.close_months

    def close_months(**kwargs):
        runs.append([b.name for b in kwargs["branches"]])
        return real(**kwargs)

    monkeypatch.setattr(services, "close_months", close_months)
    real_record = audit.record_many

    def killed(**kwargs):
        real_record(**kwargs)
        raise Killed

    monkeypatch.setattr(audit, "record_many", killed)
    with pytest.raises(Killed):
        close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert runs == [["综采一队党支部", "机关第一党支部"]]
    assert results_by_branch() == {} and BatchJob.objects.get().done == 0
    monkeypatch.setattr(audit, "record_many", real_record)
    settings.BATCH_JOB_STALE_AFTER = 0
    again = close_committee(committee, capture=django_capture_on_commit_callbacks)
    assert (again.status, again.done, again.failed) == ("done", 2, 0)
    assert [r["label"] for r in again.items] == ["综采一队党支部", "机关第一党支部"]
    assert results_by_branch() == committee.sizes and len(runs) == 2


# --- 2. the pages ---------------------------------------------------------------------------------


def month_page(client, branch):
    return client.get(reverse("assessment:index"), {"branch": branch.pk, "month": f"{MONTH:%Y-%m}"})


def test_a_committee_secretary_gets_the_whole_close_and_a_branch_secretary_does_not(committee, users, login):
    body = month_page(login(committee.secretary), committee.tree.branch1).content.decode()
    assert "整体结算" in body and "结算本月" in body
    assert f'<option value="{committee.tree.mine1.pk}" selected>一矿党委</option>' in body
    body = month_page(login(users[Role.BRANCH_SECRETARY]), committee.tree.branch1).content.decode()
    assert "整体结算" not in body and "结算本月" in body


def test_the_button_leads_to_the_job_page_with_its_counts_and_branches(
    committee, login, django_capture_on_commit_callbacks
):
    client = login(committee.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("assessment:committee_close"),
            {"org": committee.tree.mine1.pk, "month": f"{MONTH:%Y-%m}"},
        )
    job = BatchJob.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("assessment:batch_job", args=[job.pk])
    body = client.get(answer.url).content.decode()
    assert '<progress max="2" value="2"' in body and "已完成" in body and "hx-trigger" not in body
    assert f"?branch={committee.tree.office_branch.pk}&amp;month={MONTH:%Y-%m}" in body
    assert "整体结算已提交" in body
    assert "整体结算" in month_page(client, committee.tree.branch1).content.decode()
    assert (
        f"任务 {job.pk}</a> · 已完成 · 2 / 2" in month_page(client, committee.tree.branch1).content.decode()
    )


def test_a_job_under_way_polls_and_answers_htmx_with_the_partial(committee, login):
    client = login(committee.secretary)
    job = batch.request_committee_close(
        organization=committee.tree.mine1, month=MONTH, acting_user=committee.secretary
    )
    url = reverse("assessment:batch_job", args=[job.pk])
    body = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in body and "等待后台处理" in body and "<html" in body
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith("<section") and 'value="0"' in partial


def test_an_interrupted_job_stops_polling_and_offers_to_resubmit(committee, login, settings):
    client = login(committee.secretary)
    job = batch.request_committee_close(
        organization=committee.tree.mine1, month=MONTH, acting_user=committee.secretary
    )
    settings.BATCH_JOB_STALE_AFTER = 0
    body = client.get(reverse("assessment:batch_job", args=[job.pk])).content.decode()
    assert "已中断" in body and "重新提交" in body and "hx-trigger" not in body


def test_a_job_outside_the_scope_is_not_found(committee, users, login):
    job = batch.request_committee_close(organization=committee.tree.mine2, month=MONTH, acting_user=None)
    client = login(committee.secretary)
    assert client.get(reverse("assessment:batch_job", args=[job.pk])).status_code == 404
    answer = client.post(reverse("assessment:committee_close"), {"org": committee.tree.mine2.pk})
    assert answer.status_code == 404


def test_a_refusal_is_shown_in_chinese(committee, login):
    client = login(committee.secretary)
    answer = client.post(
        reverse("assessment:committee_close"),
        {"org": committee.tree.mine1.pk, "month": "2999-01"},
        follow=True,
    )
    assert "月份：尚未开始，不能结算" in answer.content.decode() and BatchJob.objects.count() == 0


# --- 3. real Celery on the real Redis ------------------------------------------------------------


def _truthy(name):
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture
def redis_broker():
    """A Redis database of this xdist worker's own (10, 11, …) and a queue of this test's
    own, so parallel workers and runs never take each other's messages. The server is
    127.0.0.1:6379 (VANGUARD_TEST_REDIS=host:port for another)."""
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    server = os.environ.get("VANGUARD_TEST_REDIS", "127.0.0.1:6379")
    url = f"redis://{server}/{10 + int(worker) % 6 if worker.isdigit() else 10}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if _truthy("CI"):
            pytest.fail(f"Redis unreachable at {url} ({exc}): CI must run the real-Redis tests")
        pytest.skip(f"Redis unreachable at {url} ({exc}); these tests run for real on CI")
    queue = f"vanguard-test-{uuid.uuid4().hex[:12]}"
    yield url, queue
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    for tag, raw in client.hscan_iter("unacked"):  # messages of a killed worker
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_closes_the_committee(committee, redis_broker):
    """A real worker (in a thread of this process, so it shares the test database on
    SQLite and PostgreSQL alike) takes the job from the real broker."""
    from celery import Celery, _state
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    url, queue = redis_broker
    app = Celery("vanguard-redis-test", set_as_current=False)
    app.conf.update(
        broker_url=url,
        task_default_queue=queue,
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
    )
    finished = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name == "assessment.close_branches":
            finished.set()

    task_postrun.connect(on_postrun, weak=False)
    previous, default = _state.get_current_app(), _state.default_app
    try:
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            job = batch.request_committee_close(
                organization=committee.tree.mine1, month=MONTH, acting_user=committee.secretary
            )
            assert job.status == "queued"  # sent to the broker, not run here
            assert finished.wait(60), "the worker did not run the job within 60 s"
    finally:
        task_postrun.disconnect(on_postrun)
        _state.set_default_app(default)
        previous.set_current()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.failed) == ("done", 2, 2, 0)
    assert results_by_branch() == committee.sizes


# The killed worker: everything in separate processes on a database of the test's own.
MODULE = "vanguard.assessment.tests.batch_process"
ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def outside_database(tmp_path):
    """A database that processes other than pytest can open: a SQLite file, or a fresh
    PostgreSQL database on the server the suite uses (dropped afterwards)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'batch.sqlite3'}"
        return
    import psycopg

    name = f"vanguard_kill_{uuid.uuid4().hex[:10]}"
    params = dict(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"]
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Processes:
    def __init__(self, env, tmp_path):
        self.env, self.tmp_path, self.workers = env, tmp_path, []

    def run(self, *args, **env):
        done = subprocess.run(
            [sys.executable, "-m", MODULE, *map(str, args)],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout.strip().splitlines()[-1])

    def worker(self, *args):
        log = open(self.tmp_path / f"worker{len(self.workers)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "worker", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
        self.workers.append((proc, log))
        return proc

    def kill(self, proc, sig=signal.SIGKILL):
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)

    def log(self, proc):
        i = next(i for i, (p, _) in enumerate(self.workers) if p is proc)
        return (self.tmp_path / f"worker{i}.log").read_text()

    def close(self):
        for proc, log in self.workers:
            self.kill(proc)
            log.close()


def _wait(what, check, timeout=120, proc=None, processes=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{processes.log(proc)}")
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}" + (f":\n{processes.log(proc)}" if proc else ""))


def test_a_worker_killed_inside_a_branch_leaves_whole_branches_and_a_new_request_completes(
    redis_broker, outside_database, tmp_path
):
    """SIGKILL of a real worker process while the second branch's transaction is open
    (its new results written, not committed): the first branch keeps its whole new set,
    the second its whole previous set, the third none; the job page would show the job
    interrupted; requesting again closes every branch with one set of results."""
    url, queue = redis_broker
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "DATABASE_URL": outside_database,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "VANGUARD_TEST_QUEUE": queue,
        "VANGUARD_TEST_MARKER": str(marker),
        "VANGUARD_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("SQLITE_TEST_NAME", None)
    p = Processes(env, tmp_path)
    month = f"{MONTH:%Y-%m}"
    try:
        prepared = p.run("prepare", month)  # migrate, seed, then request as the committee secretary
        org, ids, before, job = prepared["org"], prepared["branches"], prepared["before"], prepared["job"]
        assert before[str(ids["B"])]["results"] == 3 and before[str(ids["C"])]["results"] == 0

        worker = p.worker(2)  # pauses inside the second branch (B)
        _wait("the worker to be inside branch B", marker.exists, proc=worker, processes=p)
        assert json.loads(marker.read_text()) == {"paused_in": ids["B"]}
        p.kill(worker)  # SIGKILL: no cleanup of any kind runs

        after = p.run("report", org, month)
        got = after["branches"]
        assert got[str(ids["A"])]["results"] == 3 and got[str(ids["A"])]["closed"]
        assert got[str(ids["B"])] == before[str(ids["B"])]  # the whole previous set, unchanged
        assert got[str(ids["C"])] == before[str(ids["C"])]  # never reached: nothing
        assert got[str(ids["D"])] == before[str(ids["D"])]  # published
        for b in got.values():
            assert b["results"] in (0, b["members"])
        [killed] = after["jobs"]
        assert (killed["id"], killed["status"], killed["done"], killed["total"]) == (job, "running", 1, 4)

        # Requested again once the job is seen interrupted (no progress for the limit).
        again = p.run("request", org, prepared["user"], month, BATCH_JOB_STALE_AFTER="0")["job"]
        assert again != job
        worker = p.worker()
        final = p.run("report", org, month, again)  # once the new job is finished
        assert final["jobs"][-1]["status"] == "done", p.log(worker)
        p.kill(worker, signal.SIGTERM)
    finally:
        p.close()
    old, new = final["jobs"]
    assert (old["status"], f"已由任务 {again} 重新执行" in old["error"]) == ("failed", True)
    assert (new["done"], new["total"], new["skipped"], new["failed"]) == (4, 4, 1, 0)
    got = final["branches"]
    for key in "ABC":
        assert got[str(ids[key])]["results"] == got[str(ids[key])]["members"] == 3
    assert got[str(ids["B"])]["scores"] != before[str(ids["B"])]["scores"]  # recomputed with the new entry
    assert got[str(ids["D"])] == before[str(ids["D"])]
    assert final["all_results"] == 3 + 3 + 3 + 2  # one set per member, nothing twice
