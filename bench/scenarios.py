"""The scenarios for one database (DATABASE_URL), run in their own process.

    python -m bench.scenarios --members 100000 --out results.json [--reuse]

Migrates, seeds (unless a seeded register of that size is there and --reuse), then
measures the roster import, member search, a branch's member list and a member card,
the import's peak memory at two file sizes, the audit of every admission dossier
(违规发展党员排查), the enterprise's pipeline board and closing a month for the whole
enterprise (`bench/month_close.py`). Each figure comes with its goal and
the floor it is compared with. What does not exist yet in the code base is reported
as "not available", and the rest goes on."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.appraisal import bench_cycle as bench_appraisal_cycle  # noqa: E402
from bench.flag_board import bench_flag_board  # noqa: E402
from bench.memory import count  # noqa: E402
from bench.month_close import bench_month_close  # noqa: E402
from bench.roster import Target, roster_regions, write_roster  # noqa: E402
from vanguard.accounts.models import User  # noqa: E402
from vanguard.demo import catalog  # noqa: E402
from vanguard.demo.services import seed_demo  # noqa: E402
from vanguard.organizations.models import Organization  # noqa: E402
from vanguard.people.models import Person, PersonEvent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ROWS = 10_000
MEMORY_ROWS = (5_000, 20_000)
USERNAME = "orgdept"


class Figures:
    def __init__(self, db: str):
        self.db = db
        self.rows: list[dict] = []

    def add(self, figure, value, unit="", *, goal="", floor="", ok=None, note=""):
        row = {
            "db": self.db,
            "figure": figure,
            "value": value,
            "unit": unit,
            "floor": floor,
            "goal": goal,
            "pass": ok,
            "note": note,
        }
        self.rows.append(row)
        shown = "PASS" if ok else "FAIL" if ok is False else "-"
        print(
            f"[{self.db}] {figure}: {value} {unit}  (floor: {floor or '-'}; goal: {goal or '-'}) {shown} {note}"
        )
        sys.stdout.flush()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- preparing the data set ----------------------------------------------------------------
def prepare(members: int, reuse: bool, fig: Figures, dossiers: int | None = None) -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    fig.add("migrate", round(time.perf_counter() - started, 1), "s")
    present = Person.objects.count()
    if present and reuse:
        remove_roster_people()
        fig.add("seed", "reused", note=f"{present} people already there")
        return
    if Organization.objects.exists():
        raise SystemExit("the bench database is not empty; run without --skip-seed-if-present")
    started = time.perf_counter()
    report = seed_demo(members=members, seed=2026, log=print, dossiers=dossiers)
    seconds = time.perf_counter() - started
    fig.add(
        f"seed_demo --members {members} --dossiers {report.dossiers}",
        round(seconds, 1),
        "s",
        goal="≤ 300 s (a few minutes)",
        ok=seconds <= 300,
        note=(
            f"{round(members / seconds)} people/s, {report.steps} admission steps, "
            f"{len(report.planted)} dossiers with planted violations; bulk_create in batches of 2,000"
        ),
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    fig.add("analyze after seed", round(time.perf_counter() - started, 1), "s")


def remove_roster_people() -> int:
    """People a roster created (their ID numbers use the roster-only region codes)."""
    regions = roster_regions()
    ids = list(
        Person.objects.filter(id_number__regex=rf"^({'|'.join(regions)})").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        PersonEvent.objects.filter(person_id__in=chunk).delete()
        Person.objects.filter(pk__in=chunk).delete()
    return len(ids)


def targets() -> list[Target]:
    """Branches directly under a mine, named as "矿党委/党支部", with their groups."""
    branches = Organization.objects.filter(
        kind="branch", parent__parent__parent__isnull=True, status="active"
    )
    out = []
    groups: dict[int, list[str]] = {}
    for parent_id, name in Organization.objects.filter(kind="group", parent__in=branches).values_list(
        "parent_id", "name"
    ):
        groups.setdefault(parent_id, []).append(name)
    for b in branches.select_related("parent").prefetch_related("units"):
        district = next((u.name for u in b.units.all() if u.kind == "work_district"), None)
        kind = next(
            (k for k, d in catalog.DISTRICTS.items() if district and district.startswith(d.stem)), None
        )
        out.append(Target(f"{b.parent.name}/{b.name}", kind, groups.get(b.pk, [])))
    return [t for t in out if t.groups]


def write_rosters(workdir: Path) -> dict[int, Path]:
    today = timezone.localdate()
    taken = set(
        Person.objects.filter(id_number__regex=rf"^({'|'.join(roster_regions())})").values_list(
            "id_number", flat=True
        )
    )
    t = targets()
    files = {}
    for rows in sorted({IMPORT_ROWS, *MEMORY_ROWS}):
        started = time.perf_counter()
        files[rows] = write_roster(
            workdir / f"roster_{rows}.xlsx", rows, t, seed=rows, today=today, taken_ids=taken
        )
        print(f"  roster of {rows} rows written in {time.perf_counter() - started:.1f} s")
    return files


# --- the import ---------------------------------------------------------------------------
def read_floor(path: Path) -> float:
    """Seconds to read every cell with python-calamine (best of three)."""
    from python_calamine import CalamineWorkbook

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        best = min(best, time.perf_counter() - started)
    assert len(rows) == IMPORT_ROWS + 1
    return best


def import_available():
    try:
        from vanguard.imports.services import import_roster
    except ImportError as exc:
        return None, str(exc)
    return import_roster, ""


def bench_import(files: dict[int, Path], fig: Figures) -> None:
    path = files[IMPORT_ROWS]
    floor = read_floor(path)
    floor_rate = IMPORT_ROWS / floor
    import_roster, why = import_available()
    if import_roster is None:
        fig.add(
            f"import {IMPORT_ROWS} rows",
            "not available",
            goal="≥ 5,000 rows/s",
            floor=f"{floor_rate:,.0f} rows/s (calamine read)",
            note=f"vanguard.imports.services.import_roster: {why}",
        )
        return
    user = User.objects.get(username=USERNAME)
    remove_roster_people()
    try:
        started = time.perf_counter()
        report = import_roster(str(path), dry_run=True, acting_user=user)
        dry = time.perf_counter() - started
        fig.add(
            f"import {IMPORT_ROWS} rows, dry run",
            round(IMPORT_ROWS / dry),
            "rows/s",
            floor=f"{floor_rate:,.0f} rows/s (calamine read)",
            note=f"{dry:.2f} s; created={count(report.created)} errors={count(report.errors)}",
        )
        started = time.perf_counter()
        report = import_roster(str(path), dry_run=False, acting_user=user)
        seconds = time.perf_counter() - started
        rate = IMPORT_ROWS / seconds
        fig.add(
            f"import {IMPORT_ROWS} rows",
            round(rate),
            "rows/s",
            goal="≥ 5,000 rows/s",
            floor=f"{floor_rate:,.0f} rows/s (calamine read; import is {seconds / floor:.1f}× the read)",
            ok=rate >= 5000,
            note=(
                f"{seconds:.2f} s; created={count(report.created)} updated={count(report.updated)} "
                f"unchanged={count(report.unchanged)} errors={count(report.errors)}"
            ),
        )
        if count(report.errors):
            print("  first errors:", (list(report.errors) if not isinstance(report.errors, int) else [])[:5])
    except Exception as exc:
        traceback.print_exc()
        fig.add(f"import {IMPORT_ROWS} rows", "failed", goal="≥ 5,000 rows/s", ok=False, note=repr(exc)[:200])
    finally:
        remove_roster_people()


def bench_memory(files: dict[int, Path], fig: Figures) -> None:
    if import_available()[0] is None:
        fig.add("import peak memory", "not available", goal="flat in the file's size")
        return
    peaks = {}
    for rows in MEMORY_ROWS:
        remove_roster_people()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.memory", str(files[rows]), USERNAME],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        remove_roster_people()
        if proc.returncode:
            print(proc.stderr[-3000:])
            fig.add(f"import peak memory, {rows} rows", "failed", ok=False, note=proc.stderr.strip()[-200:])
            return
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        peaks[rows] = m
        fig.add(
            f"import peak memory, {rows} rows",
            m["tracemalloc_peak_mb"],
            "MB (tracemalloc)",
            floor=f"process RSS before import {m['rss_before_mb']} MB",
            note=f"RSS growth {m['rss_growth_mb']} MB; created={m['created']} errors={m['errors']}",
        )
    small, large = (peaks[r]["tracemalloc_peak_mb"] for r in MEMORY_ROWS)
    ratio = large / small if small else float("inf")
    grow = MEMORY_ROWS[1] / MEMORY_ROWS[0]
    fig.add(
        f"import peak memory, {MEMORY_ROWS[1]} ÷ {MEMORY_ROWS[0]} rows",
        round(ratio, 2),
        "×",
        goal="≤ 1.5× for a 4× larger file (flat)",
        floor=f"{grow:.0f}× if memory grew with the file",
        ok=ratio <= 1.5,
        note=f"{(large - small) * 1024 / (MEMORY_ROWS[1] - MEMORY_ROWS[0]):.2f} KB kept per extra row",
    )


# --- pages --------------------------------------------------------------------------------
def search_queries(rng: random.Random) -> dict[str, list[str]]:
    sample = list(
        Person.objects.filter(pk__in=[rng.randint(1, Person.objects.count()) for _ in range(60)]).values(
            "name", "name_pinyin", "name_initials", "phone", "id_number"
        )
    )
    rng.shuffle(sample)
    sample = sample[:8]
    return {
        "part of a name": [p["name"][1:] if len(p["name"]) > 2 else p["name"] for p in sample],
        "pinyin": [p["name_pinyin"][: max(4, len(p["name_pinyin"]) - 2)] for p in sample],
        "initials": [p["name_initials"] for p in sample],
        "phone digits": [p["phone"][-6:] for p in sample],
        "last 4 of ID": [p["id_number"][-4:] for p in sample],
    }


def timed_get(client: Client, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return times


def page_floor(client: Client) -> float:
    """Median server time of a trivial page (the login form): the framework's floor."""
    anonymous = Client()
    url = reverse("accounts:login")
    timed_get(anonymous, url, 3)
    return statistics.median(timed_get(anonymous, url, 30))


def bench_pages(fig: Figures) -> None:
    rng = random.Random(7)
    user = User.objects.get(username=USERNAME)
    client = Client()
    client.force_login(user)
    try:
        list_url = reverse("people:list")
    except NoReverseMatch:
        list_url = None
    floor = page_floor(client) if list_url else 0.0
    floor_text = f"{ms(floor)} ms (login page)" if list_url else ""

    queries = search_queries(rng)
    times, by_kind = [], {}
    if list_url:
        what = "people:list ?q= (test Client, orgdept)"
        for qs in queries.values():  # warm-up
            timed_get(client, f"{list_url}?q={qs[0]}", 1)
        for kind, qs in queries.items():
            t = [x for q in qs for x in timed_get(client, f"{list_url}?q={q}", 3)]
            by_kind[kind] = t
            times += t
        with CaptureQueriesContext(connection) as ctx:
            timed_get(client, f"{list_url}?q={queries['pinyin'][0]}", 1)
        search_sql = len(ctx.captured_queries)
    else:
        from vanguard.people.selectors import search_people

        what = "selectors.search_people(orgdept, q)[:50] (people:list not available)"
        for kind, qs in queries.items():
            t = []
            for q in qs:
                for _ in range(3):
                    started = time.perf_counter()
                    list(search_people(user, q)[:50])
                    t.append(time.perf_counter() - started)
            by_kind[kind] = t
            times += t
        search_sql = None
    p95 = pct(times, 95)
    fig.add(
        "member search p50",
        ms(statistics.median(times)),
        "ms",
        floor=floor_text,
        note=f"{what}; {len(times)} requests",
    )
    fig.add(
        "member search p95",
        ms(p95),
        "ms",
        goal="< 100 ms",
        floor=floor_text,
        ok=p95 < 0.1,
        note=f"SQL queries per page: {search_sql}",
    )
    for kind, t in by_kind.items():
        fig.add(f"  search p95, {kind}", ms(pct(t, 95)), "ms", note=f"e.g. q={queries[kind][0]}")

    if not list_url:
        fig.add("branch member list", "not available", goal="p95 < 50 ms")
        fig.add("member card", "not available", goal="p95 < 50 ms")
        return
    branch_ids = list(Organization.objects.filter(kind="branch").values_list("pk", flat=True))
    branches = rng.sample(branch_ids, min(20, len(branch_ids)))
    counts, times = set(), []
    for b in branches:
        url = f"{list_url}?branch={b}"
        timed_get(client, url, 1)
        with CaptureQueriesContext(connection) as ctx:
            timed_get(client, url, 1)
        counts.add(len(ctx.captured_queries))
        times += timed_get(client, url, 3)
    p95 = pct(times, 95)
    fig.add(
        "branch member list p95",
        ms(p95),
        "ms",
        goal="< 50 ms",
        floor=floor_text,
        ok=p95 < 0.05,
        note=f"people:list ?branch=; SQL queries: {sorted(counts)} across {len(branches)} branches; p50 {ms(statistics.median(times))} ms",
    )
    total = Person.objects.count()
    pks = list(
        Person.objects.filter(pk__in=[rng.randint(1, total) for _ in range(40)]).values_list("pk", flat=True)
    )[:20]
    counts, times = set(), []
    for pk in pks:
        url = reverse("people:detail", args=[pk])
        timed_get(client, url, 1)
        with CaptureQueriesContext(connection) as ctx:
            timed_get(client, url, 1)
        counts.add(len(ctx.captured_queries))
        times += timed_get(client, url, 3)
    p95 = pct(times, 95)
    fig.add(
        "member card p95",
        ms(p95),
        "ms",
        goal="< 50 ms",
        floor=floor_text,
        ok=p95 < 0.05,
        note=f"people:detail; SQL queries: {sorted(counts)} across {len(pks)} people; p50 {ms(statistics.median(times))} ms",
    )


# --- admission -------------------------------------------------------------------------------
def bench_audit(fig: Figures) -> None:
    """The audit of every dossier as the organisation department starts it (the job's
    work: read, judge, store), against the floor of reading the steps."""
    from vanguard.admission import audit
    from vanguard.admission.models import Dossier, Step

    dossiers = Dossier.objects.count()
    if not dossiers:
        fig.add("admission audit", "not available", goal="< 20 s", note="no dossiers: seed again")
        return
    steps = 0
    started = time.perf_counter()
    for _ in audit.step_rows(None):
        steps += 1
    floor = time.perf_counter() - started
    fig.add(
        "read every admission step (floor)",
        round(floor, 1),
        "s",
        note=f"{steps:,} steps of {dossiers:,} dossiers, one streamed query ({Step._meta.db_table})",
    )
    user = User.objects.get(username=USERNAME)
    run = audit.start_run(acting_user=user, background=False)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        run = audit.execute_run(run.pk)
    seconds = time.perf_counter() - started
    fig.add(
        f"admission audit, {dossiers:,} dossiers",
        round(seconds, 1),
        "s",
        goal="< 20 s (PostgreSQL)",
        floor=f"{floor:.1f} s (reading the steps)",
        ok=(seconds < 20 and run.status == "done") if fig.db == "postgres" else None,
        note=(
            f"status {run.status}; {run.flagged:,} dossiers with findings "
            f"({run.counts.get('findings', 0):,} findings); {len(ctx.captured_queries)} SQL statements; "
            f"{dossiers / seconds:,.0f} dossiers/s {run.error}"
        ),
    )


def bench_board(fig: Figures) -> None:
    """admission:board of the whole enterprise as the organisation department."""
    try:
        url = reverse("admission:board")
    except NoReverseMatch:
        fig.add("pipeline board", "not available", goal="p95 < 200 ms")
        return
    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    timed_get(client, url, 2)
    counts = set()
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            timed_get(client, url, 1)
        counts.add(len(ctx.captured_queries))
    times = timed_get(client, url, 20)
    p95 = pct(times, 95)
    fig.add(
        "pipeline board (enterprise) p95",
        ms(p95),
        "ms",
        goal="< 200 ms, constant queries",
        floor=f"{ms(page_floor(client))} ms (login page)",
        ok=p95 < 0.2 and len(counts) == 1,
        note=f"admission:board as {USERNAME}; 20 requests; p50 {ms(statistics.median(times))} ms; SQL queries: {sorted(counts)}",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--dossiers", type=int, default=None)
    parser.add_argument("--only", default="", help="comma-separated scenario names; prepare always runs")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if only & {"import", "memory"}:
        only.add("rosters")  # the files they read
    fig = Figures(args.db)
    steps = [
        ("prepare", lambda: prepare(args.members, args.reuse, fig, args.dossiers)),
    ]
    with tempfile.TemporaryDirectory(prefix="vanguard-bench-") as tmp:
        files: dict[int, Path] = {}
        steps += [
            ("rosters", lambda: files.update(write_rosters(Path(tmp)))),
            ("import", lambda: bench_import(files, fig)),
            ("memory", lambda: bench_memory(files, fig)),
            ("pages", lambda: bench_pages(fig)),
            ("audit", lambda: bench_audit(fig)),
            ("board", lambda: bench_board(fig)),
            ("appraisal", lambda: bench_appraisal_cycle(fig)),
            ("flag_board", lambda: bench_flag_board(fig)),
            ("close", lambda: bench_month_close(fig)),
        ]
        for name, step in steps:
            if only and name != "prepare" and name not in only:
                continue
            started = time.perf_counter()
            try:
                step()
            except Exception as exc:
                traceback.print_exc()
                fig.add(f"{name}", "failed", ok=False, note=repr(exc)[:300])
                if name == "prepare":
                    break
            print(f"[{args.db}] step {name}: {time.perf_counter() - started:.1f} s")
    fig.add("people in the register", Person.objects.count())
    Path(args.out).write_text(json.dumps(fig.rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
