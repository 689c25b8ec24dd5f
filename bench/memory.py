"""One roster import in a process of its own, to measure its peak memory.

    python -m bench.memory ROSTER.xlsx USERNAME

Prints one JSON line: tracemalloc's peak (Python allocations during the import) and
the growth of the process's peak RSS (everything, C libraries included) over its RSS
just before the import. The peak is reset first (/proc/self/clear_refs), because
loading Django and pypinyin's dictionaries already set a high-water mark above what
an import adds."""

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


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # pragma: no cover


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # not Linux, or not allowed: the peak stays the process's lifetime peak
        pass


def main(path: str, username: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from vanguard.accounts.models import User
    from vanguard.imports.services import import_roster

    user = User.objects.get(username=username)
    _reset_peak()
    rss_before = _status_kb("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    report = import_roster(path, dry_run=False, acting_user=user)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _status_kb("VmHWM")
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
