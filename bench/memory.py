"""One roster import in a process of its own, to measure its peak memory.

    python -m bench.memory ROSTER.xlsx USERNAME

Prints one JSON line: tracemalloc's peak (Python allocations during the import) and
the growth of the process's peak RSS (everything, C libraries included) over its
value just before the import."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import tracemalloc


def count(value) -> int:
    """ImportReport fields may hold a number or the rows themselves."""
    return value if isinstance(value, int) else len(value or ())


def main(path: str, username: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from vanguard.imports.services import import_roster

    from vanguard.accounts.models import User

    user = User.objects.get(username=username)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    report = import_roster(path, dry_run=False, acting_user=user)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "tracemalloc_peak_mb": round(peak / 2**20, 1),
                "rss_before_mb": round(rss_before / 1024, 1),
                "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
                "seconds_traced": round(seconds, 2),
                "created": getattr(report, "created", None),
                "errors": count(getattr(report, "errors", 0)),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
