"""Celery tasks of the assessment context: thin, idempotent wrappers around services."""

from datetime import date

from celery import shared_task


@shared_task(name="assessment.close_month")
def close_month_task(branch_id: int, month: str, user_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    from vanguard.assessment import services
    from vanguard.core.errors import DomainError
    from vanguard.organizations.models import Organization

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        services.close_month(
            branch=Organization.objects.get(pk=branch_id), month=date.fromisoformat(month), acting_user=user
        )
    except DomainError:
        # Published or archived meanwhile: the results stand and there is nothing to redo.
        return


# acks_late: a worker killed half way leaves the message to be delivered again; the
# job then runs from the start (every branch's close is idempotent) or, finished or
# superseded meanwhile, does nothing.
@shared_task(name="assessment.close_branches", acks_late=True)
def close_branches_task(job_id: int) -> None:
    from vanguard.assessment.batch import run_committee_close

    run_committee_close(job_id)
