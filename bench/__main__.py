"""`python -m bench [--db sqlite|postgres|both] [--members N] [--dossiers N] [--skip-seed-if-present] [--keep] [--only a,b]`

For each database: prepare it (SQLite: a file in the temp directory; PostgreSQL: a
throwaway database `vanguard_bench` on 127.0.0.1:5432, user postgres), run
`bench.scenarios` in a fresh process with DATABASE_URL pointing at it, then print one
table of figures (value, floor, goal, pass/fail) and write bench/out/results.json.

The seeded databases are dropped at the end unless --keep or --skip-seed-if-present
is given; --skip-seed-if-present reuses a database kept by an earlier run instead of
seeding it again."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SQLITE_PATH = Path(tempfile.gettempdir()) / "vanguard_bench.sqlite3"
PG_HOST, PG_PORT, PG_USER, PG_DB = "127.0.0.1", 5432, "postgres", "vanguard_bench"


# --- databases ----------------------------------------------------------------------------
def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone() is not None


def _sqlite_files() -> list[Path]:
    return [SQLITE_PATH, Path(f"{SQLITE_PATH}-wal"), Path(f"{SQLITE_PATH}-shm")]


def prepare(db: str, reuse: bool) -> tuple[str, bool]:
    """(DATABASE_URL, reused?)"""
    if db == "sqlite":
        if reuse and SQLITE_PATH.exists():
            return f"sqlite:///{SQLITE_PATH}", True
        for f in _sqlite_files():
            f.unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}", False
    if reuse and _pg_exists():
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}", True
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {PG_DB}")
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}", False


def drop(db: str) -> None:
    if db == "sqlite":
        for f in _sqlite_files():
            f.unlink(missing_ok=True)
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def _row(db, figure, value, *, unit="", ok=None, note="") -> dict:
    return {
        "db": db,
        "figure": figure,
        "value": value,
        "unit": unit,
        "floor": "",
        "goal": "",
        "pass": ok,
        "note": note,
    }


# --- the table ----------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def table(rows: list[dict]) -> str:
    header = ["db", "figure", "value", "floor", "goal", "result"]
    lines = []
    for r in rows:
        value = f"{r['value']:,}" if isinstance(r["value"], int) else str(r["value"])
        lines.append(
            [
                r["db"],
                r["figure"],
                f"{value} {r['unit']}".strip(),
                str(r["floor"] or ""),
                str(r["goal"] or ""),
                "PASS" if r["pass"] else "FAIL" if r["pass"] is False else "",
            ]
        )
    widths = [max(_width(x) for x in col) for col in zip(header, *lines, strict=True)]
    widths = [min(w, 60) for w in widths]
    out = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for line in lines:
        out.append("  ".join(_pad(c, w) for c, w in zip(line, widths, strict=True)))
    notes = [f"  [{r['db']}] {r['figure']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(out) + ("\n\nnotes:\n" + "\n".join(notes) if notes else "")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=100_000, help="people to seed (default 100000)")
    parser.add_argument(
        "--dossiers",
        type=int,
        default=None,
        help="admission dossiers to seed (default: as many as people, for the audit at 100,000)",
    )
    parser.add_argument(
        "--skip-seed-if-present",
        action="store_true",
        help="reuse a database seeded (and kept) by an earlier run; implies --keep",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases for a later run")
    parser.add_argument(
        "--only",
        default="",
        help="run only these scenarios, comma-separated (the database is always prepared): "
        "import, memory, pages, audit, board, flag_board, close",
    )
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    keep = args.keep or args.skip_seed_if_present
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    started = time.perf_counter()
    for db in dbs:
        print(f"=== {db} ===", flush=True)
        try:
            url, reused = prepare(db, args.skip_seed_if_present)
        except Exception as exc:  # PostgreSQL not running, for instance
            print(f"{db}: cannot prepare the database: {exc}")
            results.append(_row(db, "database", "not available", note=str(exc)[:200]))
            continue
        out = OUT / f"results-{db}.json"
        out.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "bench.scenarios", "--db", db, "--members", str(args.members)]
        cmd += [
            "--out",
            str(out),
            "--dossiers",
            str(args.dossiers if args.dossiers is not None else args.members),
        ]
        cmd += ["--reuse"] if reused else []
        cmd += ["--only", args.only] if args.only else []
        env = os.environ | {"DATABASE_URL": url, "DJANGO_DEBUG": "0", "DB_CONN_MAX_AGE": "60"}
        db_started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
        if out.exists():
            results += json.loads(out.read_text(encoding="utf-8"))
        if proc.returncode:
            results.append(
                _row(db, "scenarios", f"exit {proc.returncode}", ok=False, note="see the output above")
            )
        results.append(_row(db, "whole run", round(time.perf_counter() - db_started), unit="s"))
        if not keep:
            drop(db)
    print()
    print(table(results))
    payload = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "members": args.members,
        "seconds": round(time.perf_counter() - started),
        "figures": results,
    }
    (OUT / "results.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwritten to {OUT / 'results.json'}")
    return 1 if any(r["pass"] is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
