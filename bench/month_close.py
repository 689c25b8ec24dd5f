"""Closing a month for the whole enterprise (issue 4 "Performance"): goal under 30 s on
PostgreSQL at 100,000 people, and at most 5× one hand-written SQL statement computing the
same scores and ranks (docs/decisions/0011-month-close-benchmark.md).

- `ensure_entries`: the bench month gets score entries once (idempotent on a reused
  database): most members none, one or two; a few several, some of them over an item's
  monthly limit or up to the cap.
- `close_everything`: the committee-wide batch job (整体结算) for the enterprise root, run
  in process from the request to the job's end: runs of 16 branches, one transaction
  each (`services.close_months`), after deleting the month's draft closes so that every
  run does the same work.
- `INSERT`: one INSERT … SELECT writing the same rows (person, group, rules, score,
  qualified, penalty, group and branch rank) into a copy of the result table with the
  same indexes and foreign keys; best of three. Its rows must equal what close_month
  wrote, or the scenario fails loudly."""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from vanguard.accounts.models import User
from vanguard.assessment import batch, services
from vanguard.assessment.models import (
    CloseState,
    ItemSource,
    MonthClose,
    MonthlyResult,
    ScoreEntry,
    ScoringRules,
)
from vanguard.organizations.models import Organization
from vanguard.people.models import MEMBER_STATUSES, Person

# A fixed month in the past that nothing else closes, so the entries stay and every run
# closes the same data (today's month would move and mix with hand-made entries).
MONTH = date(2025, 10, 1)
SEED = 2026
TABLE = "bench_month_close_sql"
BATCH = 5000

# The hand-written statement. Portable between PostgreSQL and SQLite (CASE rather than
# GREATEST/LEAST, a correlated ORDER BY … LIMIT 1 rather than DISTINCT ON or LATERAL). Same inputs as close_month: the
# active members of active branches, the month's entries recorded for that branch, the
# rules in force (deepest organisation of the branch's chain with a version started by
# then, its latest version), the monthly limits, floor/cap, rounding, pass mark, penalty,
# and competition ranks (RANK(): ties share) in the branch and in the group.
SELECT = """
WITH in_force AS (
    SELECT b.id AS branch_id,
           (SELECT r.id
            FROM assessment_scoringrules r
            JOIN organizations_organization o ON o.id = r.organization_id
            WHERE b.path LIKE o.path || '%%' AND r.effective_from <= %(month)s
            ORDER BY LENGTH(o.path) DESC, r.effective_from DESC
            LIMIT 1) AS rules_id
    FROM organizations_organization b
    WHERE b.kind = 'branch' AND b.status = 'active'
),
chain AS (
    SELECT f.branch_id, r.id AS rules_id, r.base, r.floor, r.cap, r.pass_mark, r.penalty
    FROM in_force f
    JOIN assessment_scoringrules r ON r.id = f.rules_id
),
item_sums AS (
    SELECT e.person_id, e.branch_id, e.item_id, SUM(e.points) AS recorded
    FROM assessment_scoreentry e
    WHERE e.month = %(month)s
    GROUP BY e.person_id, e.branch_id, e.item_id
),
counted AS (
    SELECT s.person_id, s.branch_id,
           SUM(CASE
                   WHEN i.monthly_limit IS NULL THEN s.recorded
                   WHEN s.recorded > ABS(i.monthly_limit) THEN ABS(i.monthly_limit)
                   WHEN s.recorded < -ABS(i.monthly_limit) THEN -ABS(i.monthly_limit)
                   ELSE s.recorded
               END) AS delta
    FROM item_sums s
    JOIN assessment_scoringitem i ON i.id = s.item_id
    GROUP BY s.person_id, s.branch_id
),
raw AS (
    SELECT p.id AS person_id, p.branch_id, p.group_id, c.rules_id, c.floor, c.cap, c.pass_mark,
           c.penalty, c.base + COALESCE(k.delta, 0) AS raw
    FROM people_person p
    JOIN chain c ON c.branch_id = p.branch_id
    LEFT JOIN counted k ON k.person_id = p.id AND k.branch_id = p.branch_id
    WHERE p.political_status IN ('full', 'probationary') AND p.status = 'active'
),
scored AS (
    SELECT person_id, branch_id, group_id, rules_id, pass_mark, penalty,
           ROUND(CASE WHEN raw < floor THEN floor WHEN raw > cap THEN cap ELSE raw END, 1) AS score
    FROM raw
)
SELECT mc.id, s.person_id, %(month)s, s.group_id, s.rules_id, s.score,
       CASE WHEN s.group_id IS NULL THEN NULL
            ELSE RANK() OVER (PARTITION BY s.branch_id, s.group_id ORDER BY s.score DESC) END,
       RANK() OVER (PARTITION BY s.branch_id ORDER BY s.score DESC),
       s.score >= s.pass_mark,
       CASE WHEN s.score >= s.pass_mark THEN 0 ELSE s.penalty END,
       '[]'
FROM scored s
JOIN assessment_monthclose mc ON mc.branch_id = s.branch_id AND mc.month = %(month)s
"""
INSERT = (
    "INSERT INTO {table} (close_id, person_id, month, group_id, rules_id, score, group_rank, "
    "branch_rank, qualified, penalty, explanation)" + SELECT
)


def branches() -> list[Organization]:
    """What the committee-wide close walks: every active branch, in tree order."""
    return list(Organization.objects.filter(kind="branch", status="active").order_by("path"))


# --- the month's entries -----------------------------------------------------------------------
def _points(rng: random.Random, item) -> Decimal:
    """Mostly the item's usual points; sometimes a partial or double amount within the limit."""
    if rng.random() < 0.85:
        return item.points
    points = (item.points * Decimal(rng.choice(["0.5", "1.5", "2"]))).quantize(Decimal("0.1"))
    if item.monthly_limit is not None and abs(points) > item.monthly_limit:
        points = item.monthly_limit if points > 0 else -item.monthly_limit
    return points


def _entries_for(rng: random.Random, items: list, weights: list[float]) -> list:
    """(item, points) of one member's month."""
    draw = rng.random()
    if draw < 0.55:
        return []
    if draw < 0.80:
        n = 1
    elif draw < 0.92:
        n = 2
    elif draw < 0.98:
        n = rng.randint(3, 5)
    else:  # several, repeated: over the monthly limit (三违 ×4 = −40 counts −30), or to the cap
        if rng.random() < 0.25:
            bonus = [it for it in items if it.points > 0]
            return [(it, it.points) for it in bonus for _ in range(4)]
        chosen = rng.choices(items, weights, k=2)
        return [(it, it.points) for it in chosen for _ in range(rng.randint(3, 5))]
    return [(it, _points(rng, it)) for it in rng.choices(items, weights, k=n)]


def ensure_entries(month: date = MONTH, log=print) -> int:
    """The bench month's entries, created once: a reused database keeps them. Returns how
    many there are."""
    present = ScoreEntry.objects.filter(month=month).count()
    if present:
        return present
    rng = random.Random(SEED)
    rules_by_branch = {}
    for b in branches():
        rules = services.rules_in_force(branch=b, month=month)
        rules_by_branch[b.pk] = [it for it in rules.items.all() if it.source == ItemSource.MANUAL]
    weight_by_name = {
        "三违": 25,
        "无故缺席": 20,
        "未完成": 15,
        "未按时": 10,
        "合理化": 12,
        "安全标兵": 8,
        "发现制止": 10,
    }
    members = (
        Person.objects.filter(
            political_status__in=MEMBER_STATUSES, status="active", branch_id__in=list(rules_by_branch)
        )
        .order_by("pk")
        .values_list("pk", "branch_id")
    )
    rows = []
    made = 0
    for person_id, branch_id in members.iterator(chunk_size=BATCH):
        items = rules_by_branch[branch_id]
        weights = [
            next((w for k, w in weight_by_name.items() if it.name.startswith(k) or k in it.name), 10)
            for it in items
        ]
        for item, points in _entries_for(rng, items, weights):
            rows.append(
                ScoreEntry(
                    person_id=person_id,
                    branch_id=branch_id,
                    item=item,
                    month=month,
                    on=month.replace(day=rng.randint(1, 28)),
                    points=points,
                    evidence="基准测试数据",
                    source=ItemSource.MANUAL,
                )
            )
        if len(rows) >= BATCH:
            ScoreEntry.objects.bulk_create(rows)
            made += len(rows)
            rows = []
    ScoreEntry.objects.bulk_create(rows)
    made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  {made:,} score entries created for {month:%Y-%m}")
    return made


# --- the real close ----------------------------------------------------------------------------
def reset(month: date = MONTH) -> None:
    """Delete the month's draft closes and their results, so that every run closes from
    nothing (a published close there would mean someone used the bench month: stop)."""
    closed = MonthClose.objects.filter(month=month).exclude(state=CloseState.DRAFT).count()
    if closed:
        raise SystemExit(f"{closed} closes of {month:%Y-%m} are published in the bench database")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")  # its rows point at the closes
    MonthlyResult.objects.filter(month=month).delete()
    MonthClose.objects.filter(month=month).delete()


def close_everything(acting_user, month: date = MONTH) -> tuple[float, int]:
    """(seconds, branches): the organisation department's 整体结算 of the whole enterprise,
    the batch job run in process from its request to its last progress write (what the
    button does; a Celery worker runs the same function)."""
    root = Organization.objects.get(parent__isnull=True, status="active")
    started = time.perf_counter()
    job = batch.request_committee_close(organization=root, month=month, acting_user=acting_user)
    job.refresh_from_db()
    seconds = time.perf_counter() - started
    if (job.status, job.done, job.failed, job.skipped) != ("done", job.total, 0, 0):
        raise SystemExit(f"the enterprise close did not finish cleanly: {job.status}, {job.items[:3]}")
    return seconds, job.total


# --- the one statement ------------------------------------------------------------------------
def _create_table() -> None:
    """A copy of the result table with its columns, indexes and foreign keys."""
    source = MonthlyResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {TABLE} (LIKE {source} INCLUDING ALL)")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [source],
            )
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {TABLE} ADD {definition}")
        else:
            cursor.execute(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY type DESC",  # the table before its indexes
                [source],
            )
            for kind, sql in cursor.fetchall():
                if kind == "index":
                    sql = sql.replace('INDEX "', f'INDEX "{TABLE}_', 1)
                cursor.execute(sql.replace(f'"{source}"', f'"{TABLE}"'))


def run_sql(month: date = MONTH) -> float:
    """Seconds of the INSERT … SELECT and its commit, into an emptied table."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT.format(table=TABLE), {"month": month})
    return time.perf_counter() - started


def select_seconds(month: date = MONTH) -> float:
    """The SELECT alone, its rows fetched (what the statement costs without writing)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SELECT, {"month": month})
        cursor.fetchall()
    return time.perf_counter() - started


COLUMNS = "person_id, close_id, group_id, rules_id, score, group_rank, branch_rank, qualified, penalty"


def _rows(table: str, month: date) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {table} WHERE month = %s", [month])
        return {
            r[0]: (
                r[1],
                r[2],
                r[3],
                Decimal(str(r[4])).quantize(Decimal("0.1")),
                r[5],
                r[6],
                bool(r[7]),
                Decimal(str(r[8])).quantize(Decimal("0.01")),
            )
            for r in cursor.fetchall()
        }


def differences(month: date = MONTH) -> tuple[int, list[str]]:
    """(rows compared, the first differences) between close_month's results and the SQL's."""
    ours = _rows(MonthlyResult._meta.db_table, month)
    theirs = _rows(TABLE, month)
    found = []
    for person_id in sorted(ours.keys() | theirs.keys()):
        a, b = ours.get(person_id), theirs.get(person_id)
        if a != b:
            found.append(f"person {person_id}: close_month {a} ≠ SQL {b}")
    return len(ours), found


def leader_weights(month: date = MONTH) -> set[int]:
    """The group-leader weights of every rules version that may be in force: the SQL
    leaves the leader's blend out, so the bench runs on rules where it is off (0)."""
    return set(
        ScoringRules.objects.filter(effective_from__lte=month).values_list("leader_group_weight", flat=True)
    )


# --- the scenario ------------------------------------------------------------------------------
def bench_month_close(fig, username: str = "orgdept", runs: int = 2) -> None:
    """Figures: the close of the whole enterprise (best of `runs`), the one statement
    (best of three), their ratio, and the check that both wrote the same rows."""
    weights = leader_weights()
    if weights - {0}:
        fig.add(
            "month close",
            "not available",
            note=f"leader_group_weight {sorted(weights)}: the SQL has no blend",
        )
        return
    started = time.perf_counter()
    entries = ensure_entries()
    fig.add(
        f"month close: score entries of {MONTH:%Y-%m}",
        entries,
        note=f"ready in {time.perf_counter() - started:.1f} s",
    )
    user = User.objects.get(username=username)
    members = Person.objects.filter(
        political_status__in=MEMBER_STATUSES, status="active", branch__kind="branch", branch__status="active"
    ).count()
    times, queries = [], [0]

    def counting(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    walked = 0
    for _ in range(runs):
        reset()
        queries[0] = 0
        with connection.execute_wrapper(counting):
            seconds, walked = close_everything(user)
        times.append(seconds)
        print(f"  close of {walked} branches: {seconds:.1f} s, {queries[0]:,} SQL statements", flush=True)
    close = min(times)
    on_pg = fig.db == "postgres"
    fig.add(
        f"month close, whole enterprise ({walked:,} branches, {members:,} members)",
        round(close, 1),
        "s",
        goal="< 30 s (PostgreSQL)",
        ok=close < 30 if on_pg else None,
        note=(
            f"the 整体结算 batch job in process (runs of branches, services.close_months); best of {runs} "
            f"({', '.join(f'{t:.1f}' for t in times)} s); {queries[0]:,} SQL statements "
            f"({queries[0] / max(walked, 1):.1f} per branch; a COPY on PostgreSQL is not counted); "
            f"{members / close:,.0f} members/s"
        ),
    )
    # Statistics as they are after a close: without this the planner still believes the
    # month has no close rows (analysed before the first close) and picks a nested loop
    # that runs for minutes; the statement gets the same fresh statistics a DBA would give it.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {MonthClose._meta.db_table}")
        cursor.execute(f"ANALYZE {MonthlyResult._meta.db_table}")
    _create_table()
    sql = min(run_sql() for _ in range(3))
    select = min(select_seconds() for _ in range(3))
    fig.add(
        "month close as one SQL statement",
        round(sql, 2),
        "s",
        note=f"INSERT … SELECT into a copy of the result table (indexes, foreign keys), best of 3; the SELECT alone {select:.2f} s",
    )
    ratio = close / sql
    fig.add(
        "month close ÷ one SQL statement",
        round(ratio, 1),
        "×",
        goal="≤ 5 (PostgreSQL)",
        floor=f"{sql:.2f} s (the statement)",
        ok=ratio <= 5 if on_pg else None,
    )
    compared, found = differences()
    for line in found[:10]:
        print("  DIFFERENT:", line)
    fig.add(
        "month close = the SQL's scores and ranks",
        "same" if not found else f"{len(found):,} differ",
        ok=not found and compared == members,
        note=f"{compared:,} results of close_month compared with the statement's rows"
        + (f"; first: {found[0]}" if found else ""),
    )
