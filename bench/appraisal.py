"""The quantitative appraisal's bench (issue 4, "Performance"): computing a cycle for
the whole enterprise with 15 evaluations per member (goal under 60 s).

The evaluations are written once (idempotent on a reused database) for a yearly cycle
of the enterprise's root committee: per member one self-evaluation, nine peers of the
same branch, four workers' paper forms and the branch committee's one — 15, all
complete, each with points on every item of the rubric. The figure is the time of the
real close (`vanguard.appraisal.cycles`), which reads the totals, scores every member
with `vanguard.assessment.rules`, ranks per branch and writes the results."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from vanguard.people.models import MEMBER_STATUSES, Person

PEERS, WORKERS = 9, 4
ORGANIZATION_BALLOT = "支部委员会"  # the branch committee's one collective evaluation
PER_MEMBER = 1 + PEERS + WORKERS + 1
BENCH_YEAR = 2025
BATCH = 5_000


def _members_by_branch() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for pk, branch_id in (
        Person.objects.filter(political_status__in=MEMBER_STATUSES, status="active", branch__isnull=False)
        .order_by("branch_id", "pk")
        .values_list("pk", "branch_id")
        .iterator(chunk_size=20_000)
    ):
        found.setdefault(branch_id, []).append(pk)
    return found


def _pool(rng: random.Random, items, size: int = 4_000) -> list[tuple[str, Decimal]]:
    """Ready-made score sheets (the item points as JSON, and their total) at levels from
    60 % to 98 % of each item's maximum; the seed draws from them, which is what makes
    writing 1.5 million evaluations take a minute rather than half an hour."""
    pool = []
    for _ in range(size):
        level = rng.uniform(0.6, 0.98)
        scores, total = {}, Decimal(0)
        for item in items:
            share = min(1.0, max(0.0, rng.gauss(level, 0.08)))
            points = (item.max_points * Decimal(str(round(share, 2)))).quantize(Decimal("0.1"))
            scores[str(item.pk)] = str(points)
            total += points
        pool.append((json.dumps(scores), total))
    pool.sort(key=lambda sheet: sheet[1])
    return pool


COLUMNS = (
    "cycle_id",
    "subject_id",
    "source",
    "evaluator_id",
    "ballot",
    "scores",
    "total",
    "complete",
    "created_at",
    "updated_at",
)


def _write(rows: list[tuple]) -> None:
    table = "appraisal_evaluation"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})", rows)


def seed_cycle(log=print):
    """The bench cycle with its evaluations (written once; a partly written set from an
    interrupted run is written again)."""
    from vanguard.appraisal import rubric as rubric_mod
    from vanguard.appraisal.models import Cycle, CycleKind, Evaluation, Source
    from vanguard.organizations.models import Organization

    root = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    rubric = rubric_mod.rubric_in_force(organization=root)
    cycle, _ = Cycle.objects.get_or_create(
        organization=root, kind=CycleKind.YEARLY, year=BENCH_YEAR, quarter=None, defaults={"rubric": rubric}
    )
    by_branch = _members_by_branch()
    wanted = sum(len(m) * (1 + min(PEERS, len(m) - 1) + WORKERS + 1) for m in by_branch.values())
    present = Evaluation.objects.filter(cycle=cycle).count()
    if present == wanted:
        return cycle
    if present:
        _reset(cycle)
        with transaction.atomic():
            Evaluation.objects.filter(cycle=cycle).delete()
    items = list(rubric.items.order_by("position", "pk"))
    rng = random.Random(2026)
    pool = _pool(rng, items)
    now = timezone.now()
    started = time.perf_counter()
    rows: list[tuple] = []
    written = 0
    for members in by_branch.values():
        for subject in members:
            # one member's evaluators agree roughly: sheets from a window of the pool
            centre = rng.randrange(len(pool))
            window = pool[max(0, centre - 200) : centre + 200]
            others = [m for m in members if m != subject]
            evaluators = [(Source.SELF, subject, "")]
            evaluators += [(Source.PEER, p, "") for p in rng.sample(others, min(PEERS, len(others)))]
            evaluators += [(Source.WORKER, None, f"群众评议表 {k + 1}") for k in range(WORKERS)]
            evaluators.append((Source.ORGANIZATION, None, ORGANIZATION_BALLOT))
            for source, evaluator, ballot in evaluators:
                scores, total = rng.choice(window)
                rows.append((cycle.pk, subject, source, evaluator, ballot, scores, total, True, now, now))
            if len(rows) >= 50_000:
                _write(rows)
                written += len(rows)
                rows.clear()
    if rows:
        _write(rows)
        written += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"seeded {written:,} evaluations in {time.perf_counter() - started:.1f} s")
    return cycle


def _reset(cycle) -> None:
    """Back to an open cycle without results, so every run measures the same work (the
    bench's own cycle only; an archived cycle could not be reset, and this one never is)."""
    from vanguard.appraisal.models import Cycle, CycleResult, CycleState, Talk

    with transaction.atomic():
        Talk.objects.filter(result__cycle=cycle).delete()
        CycleResult.objects.filter(cycle=cycle).delete()
        Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.OPEN, closed_at=None, published_on=None)


def bench_cycle(fig) -> None:
    """The close as a manager starts it from the cycle page (`cycles.request_close`: a
    batch job with its progress, run in-process without a broker), then publishing."""
    from vanguard.accounts.models import User
    from vanguard.appraisal import cycles
    from vanguard.appraisal.models import CycleResult, Evaluation, Talk
    from vanguard.core.models import BatchJob

    started = time.perf_counter()
    cycle = seed_cycle()
    evaluations = Evaluation.objects.filter(cycle=cycle).count()
    fig.add(
        "appraisal: evaluations ready",
        round(time.perf_counter() - started, 1),
        "s",
        note=f"{evaluations:,} rows",
    )
    _reset(cycle)
    cycle.refresh_from_db()
    user = User.objects.get(username="orgdept")
    started = time.perf_counter()
    job = cycles.request_close(cycle=cycle, acting_user=user)
    seconds = time.perf_counter() - started
    job = BatchJob.objects.get(pk=job.pk)
    results = CycleResult.objects.filter(cycle=cycle).count()
    talks = Talk.objects.filter(result__cycle=cycle).count()
    members = sum(len(v) for v in _members_by_branch().values())
    fig.add(
        f"appraisal cycle, {members:,} members × {PER_MEMBER} evaluations",
        round(seconds, 1),
        "s",
        goal="< 60 s",
        ok=seconds < 60 and results == members and job.status == "done" and not job.failed,
        note=(
            f"request_close as orgdept: a batch job of {job.total} steps ({len(cycles.branches(cycle)):,} "
            f"branches in runs, one transaction each, then publishing), job {job.status}; "
            f"{evaluations:,} evaluations read, {results:,} results, {talks:,} talk tasks; "
            f"{results / seconds:,.0f} members/s"
        ),
    )
