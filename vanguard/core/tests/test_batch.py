"""The generic batch-job helpers (vanguard.core.batch): progress per item, skipped and
failed items with their reason, a finished job never runs again, an interrupted one is
recognised and superseded by a new request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vanguard.core import batch
from vanguard.core.errors import DomainError
from vanguard.core.models import BatchJob

pytestmark = pytest.mark.django_db
ITEMS = [batch.Item(1, "甲"), batch.Item(2, "乙"), batch.Item(3, "丙"), batch.Item(4, "丁")]


def new_job(**params):
    return batch.create(kind="test.kind", label="测试任务", scope_id=7, scope_label="一矿党委", params=params)


def test_every_item_is_counted_with_its_outcome_and_reason():
    job = new_job()

    def work(item):
        if item.id == 2:
            raise batch.Skip("已归档，结果保持不变")
        if item.id == 3:
            raise DomainError("党支部：不在您的管理范围内", field="党支部")

    done = batch.run(job.pk, ITEMS, work)
    assert (done.status, done.total, done.done, done.skipped, done.failed, done.succeeded) == (
        "done",
        4,
        4,
        1,
        1,
        2,
    )
    assert [(r["label"], r["outcome"], r["message"]) for r in done.items] == [
        ("甲", "done", ""),
        ("乙", "skipped", "已归档，结果保持不变"),
        ("丙", "failed", "党支部：不在您的管理范围内"),
        ("丁", "done", ""),
    ]
    assert done.percent == 100 and done.remaining == 0 and done.finished_at is not None


def test_an_unexpected_error_fails_the_item_not_the_job():
    job = new_job()

    def work(item):
        if item.id == 1:
            raise ZeroDivisionError

    done = batch.run(job.pk, ITEMS, work)
    assert (done.status, done.failed, done.succeeded) == ("done", 1, 3)
    assert done.items[0]["message"].startswith("系统错误：ZeroDivisionError")


def test_progress_is_written_after_each_item():
    job = new_job()
    seen = []
    batch.run(job.pk, ITEMS, lambda item: seen.append(BatchJob.objects.get(pk=job.pk).done))
    assert seen == [0, 1, 2, 3]


def test_a_large_job_writes_its_progress_every_nth_item(monkeypatch):
    """3,000 branches must not rewrite a growing item list 3,000 times: at most
    PROGRESS_WRITES writes, and the page still sees the bar move and every item."""
    monkeypatch.setattr(batch, "PROGRESS_WRITES", 4)
    job = new_job()
    items = [batch.Item(n, f"支部{n}") for n in range(10)]
    seen = []
    done = batch.run(job.pk, items, lambda item: seen.append(BatchJob.objects.get(pk=job.pk).done))
    assert seen == [0, 0, 0, 3, 3, 3, 6, 6, 6, 9]  # every 3rd item (10 ÷ 4, rounded up)
    assert done.done == 10 and [r["label"] for r in done.items] == [i.label for i in items]


def test_a_finished_job_is_not_run_again():
    job = new_job()
    batch.run(job.pk, ITEMS, lambda item: None)
    calls = []
    assert batch.run(job.pk, ITEMS, calls.append) is None
    assert calls == [] and BatchJob.objects.get(pk=job.pk).done == 4


def test_a_job_found_running_starts_over_with_fresh_counts():
    """A message delivered again after its worker died: the counts restart."""
    job = new_job()
    batch.start(job.pk, total=4)
    batch.step(job.pk, ITEMS[0])
    done = batch.run(job.pk, ITEMS, lambda item: None)
    assert (done.done, len(done.items)) == (4, 4)


def test_a_job_without_progress_is_interrupted(settings):
    job = new_job(month="2026-03")
    batch.start(job.pk, total=4)
    job.refresh_from_db()
    assert not job.interrupted
    assert batch.live("test.kind", 7, month="2026-03") == job
    BatchJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=601))
    job.refresh_from_db()
    assert job.interrupted and batch.live("test.kind", 7, month="2026-03") is None
    settings.BATCH_JOB_STALE_AFTER = 3600
    assert not job.interrupted


def test_a_new_request_supersedes_the_interrupted_job_whose_late_steps_no_longer_count():
    old = new_job(month="2026-03")
    batch.start(old.pk, total=4)
    BatchJob.objects.filter(pk=old.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    other_month = new_job(month="2026-04")
    batch.start(other_month.pk, total=4)
    BatchJob.objects.filter(pk=other_month.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    new = new_job(month="2026-03")
    assert batch.supersede("test.kind", 7, by=new, month="2026-03") == 1
    old.refresh_from_db()
    assert old.status == "failed" and f"已由任务 {new.pk} 重新执行" in old.error
    assert BatchJob.objects.get(pk=other_month.pk).status == "running"
    batch.step(old.pk, ITEMS[0])  # its worker was only slow: the step is not counted
    assert BatchJob.objects.get(pk=old.pk).done == 0


def test_live_ignores_other_scopes_and_finished_jobs():
    job = new_job(month="2026-03")
    assert batch.live("test.kind", 8, month="2026-03") is None
    assert batch.live("test.kind", 7, month="2026-04") is None
    assert batch.live("test.kind", 7, month="2026-03") == job
    batch.run(job.pk, ITEMS, lambda item: None)
    assert batch.live("test.kind", 7, month="2026-03") is None


def test_fail_records_the_reason():
    job = new_job()
    batch.fail(job.pk, "参数：月份无效")
    job.refresh_from_db()
    assert (job.status, job.error, job.finished) == ("failed", "参数：月份无效", True)


def test_runs_cut_the_items_into_at_most_the_given_number_of_equal_runs():
    assert batch.runs_of(ITEMS, 200) == [[i] for i in ITEMS]
    assert batch.runs_of(ITEMS, 2) == [ITEMS[:2], ITEMS[2:]]
    assert batch.runs_of(ITEMS, 3) == [ITEMS[:2], ITEMS[2:]]
    assert [len(r) for r in batch.runs_of(list(range(3074)))] == [16] * 192 + [2]
    assert batch.runs_of([], 5) == []


def test_a_run_reports_each_item_and_its_skipped_ones_with_the_reason():
    job = new_job()
    seen = []

    def work(run):
        seen.append([i.id for i in run])
        return {3: "已通报，保持不变"} if any(i.id == 3 for i in run) else {}

    done = batch.run_in_runs(job.pk, [ITEMS[:3], ITEMS[3:]], work)
    assert seen == [[1, 2, 3], [4]]
    assert [(r["label"], r["outcome"], r["message"]) for r in done.items] == [
        ("甲", "done", ""),
        ("乙", "done", ""),
        ("丙", "skipped", "已通报，保持不变"),
        ("丁", "done", ""),
    ]
    assert (done.total, done.done, done.skipped, done.failed) == (4, 4, 1, 0)


def test_a_failing_run_is_done_again_item_by_item_so_only_the_bad_item_fails():
    job = new_job()
    seen = []

    def work(run):
        seen.append([i.id for i in run])
        if any(i.id == 2 for i in run):
            raise DomainError("考评办法：本月无可用版本", field="考评办法")
        return {}

    done = batch.run_in_runs(job.pk, [ITEMS[:3], ITEMS[3:]], work)
    assert seen == [[1, 2, 3], [1], [2], [3], [4]]
    assert [(r["label"], r["outcome"], r["message"]) for r in done.items] == [
        ("甲", "done", ""),
        ("乙", "failed", "考评办法：本月无可用版本"),
        ("丙", "done", ""),
        ("丁", "done", ""),
    ]


def test_progress_is_written_after_each_run():
    job = new_job()
    seen = []

    def work(run):
        seen.append(BatchJob.objects.get(pk=job.pk).done)
        return {}

    batch.run_in_runs(job.pk, [ITEMS[:2], ITEMS[2:]], work)
    assert seen == [0, 2]
