"""Closing a month for a whole committee at once (issue 4 point 3, "Batch work"): one
background job (`vanguard.core.batch`) that closes every branch under the organisation,
branch after branch, with the same `services.close_month` a branch secretary uses.

Why it is safe (docs/decisions/0010-batch-jobs.md):
- each branch is closed in its own transaction (`close_month`), so a worker killed half
  way leaves every branch with its whole set of results or untouched;
- `close_month` locks the branch's MonthClose row and replaces the draft's results, so
  closing twice, or two jobs at once, leave one set per member;
- a branch already published or archived is counted as skipped, never as a failure;
- requesting the close again while a job is under way answers that job; a job whose
  worker died (no progress for BATCH_JOB_STALE_AFTER seconds) is shown as interrupted,
  and requesting again starts a new job that closes every branch and marks the old one
  failed ("已由任务 N 重新执行").
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from vanguard.accounts.policy import scope_of
from vanguard.assessment import monthly, services
from vanguard.core import audit, batch
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.core.jobs import enqueue
from vanguard.core.models import BatchJob
from vanguard.organizations.models import Organization

KIND = "assessment.close_month"
ABOVE_BRANCH = ("committee", "general_branch")


def branches_under(organization: Organization) -> QuerySet[Organization]:
    """The active branches of the organisation's subtree (the organisation itself when it
    is a branch), in tree order."""
    return Organization.objects.filter(
        path__startswith=organization.path, kind="branch", status="active"
    ).order_by("path")


@transaction.atomic
def request_committee_close(
    *, organization: Organization, month: date, acting_user, today: date | None = None
) -> BatchJob:
    """Starts (or finds under way) the job closing `month` for every branch under
    `organization`: a committee, a general branch, the enterprise root, or one branch."""
    organization = Organization.objects.get(pk=organization.pk)
    if acting_user is not None and not scope_of(acting_user).allows_org("assessment.close", organization):
        raise DomainError("组织：不在您的管理范围内，不能整体结算", field="组织", code="forbidden")
    if organization.kind == "group":
        raise DomainError("组织：党小组不单独结算，请选择党委、党总支或党支部", field="组织", code="kind")
    month = monthly.month_of(month)
    if month > monthly.month_of(today or timezone.localdate()):
        raise DomainError("月份：尚未开始，不能结算", field="月份", code="future")
    branch_ids = list(branches_under(organization).values_list("pk", flat=True))
    if not branch_ids:
        raise DomainError(f"组织：{organization.name}下没有党支部，无需结算", field="组织", code="empty")
    key = {"month": f"{month:%Y-%m}"}
    under_way = batch.live(KIND, organization.pk, **key)
    if under_way is not None:
        return under_way
    job = batch.create(
        kind=KIND,
        label=f"{organization.name} {month.year} 年 {month.month} 月月度考评整体结算",
        scope_id=organization.pk,
        scope_label=organization.name,
        params={**key, "branches": branch_ids},
        total=len(branch_ids),
        started_by=acting_user,
    )
    batch.supersede(KIND, organization.pk, by=job, **key)
    audit.record(
        actor=acting_user,
        action="assessment.batch_close",
        obj=job,
        summary=f"{organization.name} {month:%Y-%m} 月度考评整体结算（{len(branch_ids)} 个党支部）",
    )
    from vanguard.assessment.tasks import close_branches_task

    enqueue(close_branches_task, job.pk)
    return job


def run_committee_close(job_id: int) -> BatchJob | None:
    """The work of the job (called by the Celery task): the branches in tree order, in
    runs of whole branches (at most `batch.PROGRESS_WRITES` runs: one branch at a time
    for a committee of up to 200, 16 for the enterprise's 3,074), each run one
    transaction of `services.close_months`, the progress written after each run."""
    job = BatchJob.objects.select_related("started_by").filter(pk=job_id, kind=KIND).first()
    if job is None:
        return None
    month = monthly.parse_month(job.params["month"])
    ids = job.params["branches"]
    found = Organization.objects.in_bulk(ids)
    items = [batch.Item(pk, found[pk].name if pk in found else f"党支部 {pk}") for pk in ids]

    def work(run: list[batch.Item]) -> dict[int, str]:
        missing = [item for item in run if item.id not in found]
        if missing:
            raise DomainError("党支部：已不存在", field="党支部", code="missing")
        closed = services.close_months(
            branches=[found[item.id] for item in run], month=month, acting_user=job.started_by
        )
        return {
            pk: f"{month:%Y-%m} 的结果{c.close.get_state_display()}，保持不变"
            for pk, c in closed.items()
            if c.refused
        }

    return batch.run_in_runs(job_id, batch.runs_of(items), work)


# --- reads for the pages --------------------------------------------------------------------


def closable_organizations(user) -> QuerySet[Organization]:
    """Committees and general branches whose whole month the user may close (组织部,
    党委书记/组织委员 in their subtree); empty for a branch secretary."""
    return Organization.objects.filter(
        scope_of(user).orgs_q("assessment.close"), kind__in=ABOVE_BRANCH, status="active"
    ).order_by("path")


def job(user, pk) -> tuple[BatchJob, Organization]:
    """A committee-close job and its organisation, if the user may close there."""
    try:
        found = BatchJob.objects.get(pk=int(pk), kind=KIND)
        org = Organization.objects.get(pk=found.scope_id)
    except (BatchJob.DoesNotExist, Organization.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if not scope_of(user).allows_org("assessment.close", org):
        raise NotFoundOrForbidden
    return found, org


def latest_job(organization: Organization, month: date) -> BatchJob | None:
    key = f"{monthly.month_of(month):%Y-%m}"
    for found in BatchJob.objects.filter(kind=KIND, scope_id=organization.pk).order_by("-id")[:20]:
        if found.params.get("month") == key:
            return found
    return None


def organization(user, pk) -> Organization:
    """An organisation (not a party group) the user may close, by id."""
    try:
        org = Organization.objects.exclude(kind="group").get(pk=int(pk))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden from None
    if not scope_of(user).allows_org("assessment.close", org):
        raise NotFoundOrForbidden
    return org
