"""`make bench`: the measured scenarios, on SQLite and on PostgreSQL.

A benchmark, never a timed test: it prints figures next to their goals and the floor
each is compared with, and writes them to bench/out/results.json.

    python -m bench [--db sqlite|postgres|both] [--members 100000] [--skip-seed-if-present]

`bench.__main__` prepares each database (a temp SQLite file; a throwaway PostgreSQL
database `vanguard_bench` on 127.0.0.1:5432) and runs `bench.scenarios` in a fresh
process per database (DATABASE_URL is read once, at django.setup). `bench.memory`
runs one import in its own process so that its peak memory is its own.
"""
