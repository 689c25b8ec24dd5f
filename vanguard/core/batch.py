"""Background batch jobs with a progress bar (docs/decisions/0010-batch-jobs.md).

A `BatchJob` row is the one thing a page reads while the work runs: how many items of
how many are done, skipped or failed, and why. Each step is written in its own short
transaction, so the page sees it at once; the work on an item is a separate
transaction of the context's own, so a worker killed half way leaves every item whole
or untouched, and running the job again finishes it.

Plugging in a new kind of job takes three pieces, all in the owning context:

1. A request function (e.g. `vanguard/<context>/batch.py`): check the acting user's
   scope, list the items, then

       job = batch.create(kind="appraisal.close_cycle", label="…", scope_id=org.pk,
                          scope_label=org.name, params={"cycle": …}, total=len(items),
                          started_by=user)
       jobs.enqueue(close_cycle_task, job.pk)

   `batch.live(kind, scope_id, **params)` finds a job for the same work still under
   way (answer it instead of starting a second one), and `batch.supersede(…)` closes
   the interrupted ones when the work is requested again.
2. A Celery task calling `batch.run(job_id, items, work)`, where `items` is a list of
   `batch.Item(id, label)` and `work(item)` does one item in its own transaction. It
   returns when the item is done, raises `batch.Skip("reason")` when there was nothing
   to do (counted as skipped, not failed), and any other exception — a DomainError
   with its Chinese message first — marks the item failed with that reason and goes on
   with the next. `work` must be idempotent: a job may be run again.
3. A page showing the job: the partial `core/_batch_job.html` renders the progress bar,
   the counts and the items (with a link per item the view provides) and polls itself
   with htmx while the job is under way.

`run` must be called outside any transaction (as a Celery task is, and as an eager task
is from `jobs.enqueue`'s on_commit): otherwise the progress is only seen at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from vanguard.core.errors import DomainError
from vanguard.core.models import BatchJob, BatchJobItem

logger = logging.getLogger(__name__)
T = TypeVar("T")

DONE, SKIPPED, FAILED = "done", "skipped", "failed"
OUTCOME_LABELS = {DONE: "完成", SKIPPED: "跳过", FAILED: "失败"}
Status = BatchJob.Status


@dataclass(frozen=True)
class Item:
    id: int
    label: str


class Skip(Exception):
    """Raised by `work` when the item needs nothing: counted as skipped, with the reason."""


def create(
    *,
    kind: str,
    label: str,
    scope_id: int | None = None,
    scope_label: str = "",
    params: dict | None = None,
    total: int = 0,
    started_by=None,
) -> BatchJob:
    user = started_by if started_by is not None and started_by.is_authenticated else None
    return BatchJob.objects.create(
        kind=kind,
        label=label[:200],
        scope_id=scope_id,
        scope_label=scope_label[:200],
        params=params or {},
        total=total,
        started_by=user,
    )


def _unfinished(kind: str, scope_id: int | None, params: dict) -> list[BatchJob]:
    rows = BatchJob.objects.filter(
        kind=kind, scope_id=scope_id, status__in=[Status.QUEUED, Status.RUNNING]
    ).order_by("-id")[:50]
    return [j for j in rows if all(j.params.get(k) == v for k, v in params.items())]


def live(kind: str, scope_id: int | None, **params) -> BatchJob | None:
    """The latest job of this kind and scope with these params that is still under way
    (queued or running, and not interrupted)."""
    return next((j for j in _unfinished(kind, scope_id, params) if not j.interrupted), None)


def supersede(kind: str, scope_id: int | None, *, by: BatchJob, **params) -> int:
    """Marks the interrupted jobs for the same work as failed, pointing at the new one
    that does the work again. Returns how many."""
    count = 0
    for job in _unfinished(kind, scope_id, params):
        if job.pk != by.pk and job.interrupted:
            count += BatchJob.objects.filter(pk=job.pk, status__in=[Status.QUEUED, Status.RUNNING]).update(
                status=Status.FAILED,
                finished_at=timezone.now(),
                error=f"后台进程中断：{job.done}/{job.total} 项后不再有进展，已由任务 {by.pk} 重新执行"[:500],
            )
    return count


def start(job_id: int, *, total: int | None = None) -> BatchJob | None:
    """Marks the job running; None when it is finished already (a message delivered
    twice, or a job superseded). A job found running was interrupted and is run again
    from the start: its counts restart, the items' work is idempotent."""
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        now = timezone.now()
        job.status = Status.RUNNING
        job.started_at = now
        job.heartbeat_at = now
        job.done = job.skipped = job.failed = 0
        BatchJobItem.objects.filter(job=job).delete()
        if total is not None:
            job.total = total
        job.save()
        return job


def step(job_id: int, item: Item, outcome: str = DONE, message: str = "") -> None:
    """One item processed: its own short transaction, seen by the page at once."""
    steps(job_id, [(item, outcome, message)])


# Progress is written at most this many times per job: after every item of a small job,
# after every n-th of a large one (3,000 branches: every 15th), so the writes of the
# job row stay few (each step appends its items as rows of their own).
PROGRESS_WRITES = 200


def steps(job_id: int, outcomes: list[tuple[Item, str, str]]) -> None:
    """Items processed (item, outcome, message), written in one short transaction: their
    rows appended and the counts moved on (three small statements however long the job)."""
    if not outcomes:
        return
    with transaction.atomic():
        job = (
            BatchJob.objects.select_for_update()
            .only("id", "done")
            .filter(pk=job_id, status=Status.RUNNING)
            .first()
        )
        if job is None:  # superseded meanwhile: its worker's steps no longer count
            return
        BatchJobItem.objects.bulk_create(
            BatchJobItem(
                job_id=job_id, seq=job.done + n, item_id=i.id, label=i.label[:300], outcome=o, message=m[:500]
            )
            for n, (i, o, m) in enumerate(outcomes)
        )
        BatchJob.objects.filter(pk=job_id).update(
            done=F("done") + len(outcomes),
            skipped=F("skipped") + sum(o == SKIPPED for _, o, _ in outcomes),
            failed=F("failed") + sum(o == FAILED for _, o, _ in outcomes),
            heartbeat_at=timezone.now(),
        )


def finish(job_id: int) -> None:
    now = timezone.now()
    BatchJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.DONE, finished_at=now, heartbeat_at=now
    )


def fail(job_id: int, message: str) -> None:
    now = timezone.now()
    BatchJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, finished_at=now, heartbeat_at=now, error=message[:500]
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.args[0]
    return f"系统错误：{type(exc).__name__}，请查看服务器日志"


def run(job_id: int, items: Iterable[Item], work: Callable[[Item], object]) -> BatchJob | None:
    """Runs `work` on every item, writing the progress after each. Returns the finished
    job, or None when there was nothing to run (finished already)."""

    def one(run: list[Item]) -> dict[int, str]:
        try:
            work(run[0])
        except Skip as exc:
            return {run[0].id: str(exc)}
        return {}

    return run_in_runs(job_id, [[item] for item in items], one)


def runs_of(items: Sequence[T], steps: int | None = None) -> list[list[T]]:
    """The items in order, cut into at most `steps` runs (default `PROGRESS_WRITES`) of
    equal size: one item per run for a job of up to `steps` items."""
    size = max(1, -(-len(items) // (steps or PROGRESS_WRITES)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def run_in_runs(
    job_id: int, runs: Iterable[list[Item]], work: Callable[[list[Item]], dict[int, str]]
) -> BatchJob | None:
    """Runs `work` on runs of items (one transaction per run, the context's own), writing
    the progress after each run. `work(run)` does every item of the run and returns
    {item id: reason} for the items it skipped. When a run of several items fails, each
    of its items is tried alone, so one bad item is reported with its reason and the
    others are done. Returns the finished job, or None when it was finished already."""
    runs = [list(r) for r in runs if r]
    items = [item for r in runs for item in r]
    if start(job_id, total=len(items)) is None:
        return None
    every = max(1, -(-len(items) // PROGRESS_WRITES))
    pending: list[tuple[Item, str, str]] = []
    try:
        for batch_run in runs:
            pending += _outcomes(job_id, batch_run, work)
            if len(pending) >= every:
                steps(job_id, pending)
                pending = []
        steps(job_id, pending)
    except BaseException as exc:  # the step itself failed: the job cannot go on
        if isinstance(exc, Exception):
            logger.exception("batch job %s failed", job_id)
            fail(job_id, _reason(exc))
        raise
    finish(job_id)
    return BatchJob.objects.get(pk=job_id)


def _outcomes(job_id: int, items: list[Item], work) -> list[tuple[Item, str, str]]:
    try:
        skipped = work(items)
    except Exception as exc:
        if len(items) > 1:  # one of them is at fault: each alone
            return [found for item in items for found in _outcomes(job_id, [item], work)]
        if not isinstance(exc, DomainError):
            logger.exception("batch job %s: item %s failed", job_id, items[0].id)
        return [(items[0], FAILED, _reason(exc))]
    return [(i, SKIPPED, skipped[i.id]) if i.id in skipped else (i, DONE, "") for i in items]
