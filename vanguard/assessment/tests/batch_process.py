"""A separate process for the killed-worker test (test_batch.py): a real Celery worker
on Redis that can be SIGKILLed, and the steps around it, each run as

    python -m vanguard.assessment.tests.batch_process COMMAND [ARGS]

with DATABASE_URL (a SQLite file or a PostgreSQL database of the test's own, since a
worker in another process cannot see pytest's in-memory database), CELERY_BROKER_URL
and VANGUARD_TEST_QUEUE in the environment. Each command prints one JSON line.

- migrate
- seed MONTH: a committee with four branches (see `seed`), prints their ids
- request ORG USER MONTH: `request_committee_close` as the user, sent to the broker
- prepare MONTH: migrate, seed, report and request at once
- worker [PAUSE_AT]: a solo worker on the queue; with PAUSE_AT=n it stops forever inside
  the n-th branch's transaction (a committee of four closes one branch per run), after
  the branch's results are written and before they commit (a marker file named by VANGUARD_TEST_MARKER says so), to be killed there
- report ORG MONTH [JOB]: every branch's results and every job of the organisation
  (once JOB is finished)
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from decimal import Decimal


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.celery import app

    app.conf.task_default_queue = os.environ["VANGUARD_TEST_QUEUE"]
    app.conf.task_ignore_result = True
    return app


def migrate() -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {"migrated": True}


def seed(month: str) -> dict:
    """一矿党委 with four branches, in tree order:
    A 综采一队 (3 members), B 掘进二队 (3, closed once before a new entry came),
    C 机电队 (3, never closed), D 通风队 (2, closed and published)."""
    from conftest import person_data  # the suite's builder of valid people
    from vanguard.accounts.models import Post, Role, User
    from vanguard.assessment import services
    from vanguard.organizations import services as org_services
    from vanguard.people.services import create_person

    the_month = date.fromisoformat(month + "-01")
    on = the_month.replace(day=5)

    def org(name, kind, parent):
        return org_services.create_organization(
            name=name, kind=kind, parent=parent, acting_user=None, established_on=date(2000, 1, 1)
        )

    enterprise = org("集团党委", "committee", None)
    mine = org("一矿党委", "committee", enterprise)
    names = {
        "A": ("综采一队党支部", 3),
        "B": ("掘进二队党支部", 3),
        "C": ("机电队党支部", 3),
        "D": ("通风队党支部", 2),
    }
    branches, people = {}, {}
    given = "甲乙丙"
    for key, (name, size) in names.items():
        branches[key] = org(name, "branch", mine)
        people[key] = [
            create_person(data=person_data(branches[key], name=f"{name[:2]}{given[i]}"), acting_user=None)
            for i in range(size)
        ]
    rules = services.ensure_default_rules(organization=mine)
    violation = rules.items.get(name__startswith="三违")
    for key in "ABCD":
        services.record_entry(person=people[key][0], item=violation, on=on, acting_user=None)
    services.close_month(branch=branches["B"], month=the_month, acting_user=None)
    services.record_entry(person=people["B"][1], item=violation, on=on, acting_user=None)
    close = services.close_month(branch=branches["D"], month=the_month, acting_user=None)
    services.publish(close=close, acting_user=None)
    user = User.objects.create_user(username="mine_secretary", password="Vanguard@2026", display_name="书记")
    Post.objects.create(user=user, role=Role.COMMITTEE_SECRETARY, organization=mine)
    return {"org": mine.pk, "user": user.pk, "branches": {k: b.pk for k, b in branches.items()}}


def request(org_id: str, user_id: str, month: str) -> dict:
    from vanguard.accounts.models import User
    from vanguard.assessment.batch import request_committee_close
    from vanguard.organizations.models import Organization

    job = request_committee_close(
        organization=Organization.objects.get(pk=int(org_id)),
        month=date.fromisoformat(month + "-01"),
        acting_user=User.objects.get(pk=int(user_id)),
    )
    return {"job": job.pk}


def worker(app, pause_at: str | None = None) -> None:
    if pause_at:
        _pause_inside_branch(int(pause_at))
    queue = os.environ["VANGUARD_TEST_QUEUE"]
    app.worker_main(
        [
            *("worker", "-P", "solo", "-c", "1", "-Q", queue, "-l", "WARNING", "-n", f"{queue}@%h"),
            *("--without-heartbeat", "--without-mingle", "--without-gossip"),
        ]
    )


def _pause_inside_branch(n: int) -> None:
    """The n-th branch's close waits forever at its audit row: its results are written,
    its transaction is open."""
    from vanguard.core import audit

    real = audit.record_many
    seen = []

    def record_many(**kwargs):
        result = real(**kwargs)
        if kwargs.get("action") == "assessment.close":
            seen.extend(obj.branch_id for obj, _ in kwargs["entries"])
            if len(seen) == n:
                with open(os.environ["VANGUARD_TEST_MARKER"], "w") as f:
                    json.dump({"paused_in": seen[-1]}, f)
                time.sleep(3600)
        return result

    audit.record_many = record_many


def prepare(month: str) -> dict:
    """migrate, seed, report and request in one process (each start costs seconds)."""
    migrate()
    seeded = seed(month)
    before = report(seeded["org"], month)
    return {**seeded, "before": before["branches"], **request(seeded["org"], seeded["user"], month)}


def report(org_id: str, month: str, wait_for_job: str | None = None) -> dict:
    """With WAIT_FOR_JOB: first waits (90 s at most) until that job is finished."""
    if wait_for_job:
        from vanguard.core.models import BatchJob

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not BatchJob.objects.get(pk=int(wait_for_job)).finished:
            time.sleep(0.2)

    from vanguard.assessment.batch import KIND, branches_under
    from vanguard.assessment.models import MonthClose, MonthlyResult
    from vanguard.assessment.selectors import members_of_branch
    from vanguard.core.models import BatchJob
    from vanguard.organizations.models import Organization

    the_month = date.fromisoformat(month + "-01")
    org = Organization.objects.get(pk=int(org_id))
    branches = {}
    for b in branches_under(org):
        close = MonthClose.objects.filter(branch=b, month=the_month).first()
        results = MonthlyResult.objects.filter(close__branch=b, month=the_month)
        branches[b.pk] = {
            "members": members_of_branch(b).count(),
            "results": results.count(),
            "scores": sorted(str(s) for s in results.values_list("score", flat=True)),
            "state": close.state if close else None,
            "closed": bool(close and close.closed_at),
        }
    jobs = [
        {
            "id": j.pk,
            "status": j.status,
            "total": j.total,
            "done": j.done,
            "skipped": j.skipped,
            "failed": j.failed,
            "error": j.error,
            "interrupted": j.interrupted,
        }
        for j in BatchJob.objects.filter(kind=KIND, scope_id=org.pk).order_by("id")
    ]
    return {"branches": branches, "jobs": jobs, "all_results": MonthlyResult.objects.count()}


def main(argv: list[str]) -> None:
    app = _setup()
    command, args = argv[0], argv[1:]
    if command == "worker":
        worker(app, *args)
        return
    commands = {"migrate": migrate, "seed": seed, "request": request, "report": report, "prepare": prepare}
    found = commands[command](*args)
    print(json.dumps(found, default=lambda v: str(v) if isinstance(v, Decimal) else v))


if __name__ == "__main__":
    main(sys.argv[1:])
