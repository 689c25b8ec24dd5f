"""Celery tasks of the appraisal: thin, idempotent wrappers around services."""

from celery import shared_task


@shared_task(name="appraisal.close_cycle")
def close_cycle_task(job_id: int, cycle_id: int, user_id: int | None = None) -> None:
    """Closes a cycle as a `BatchJob`: one item per branch, or per run of branches in a
    large committee (`cycles.close_chunks`: at most 200), its results computed and
    replaced as a set in its own transaction; then one item for publishing. Run again
    after a killed worker, it recomputes what is still open and publishes once."""
    from django.contrib.auth import get_user_model

    from vanguard.appraisal import cycles
    from vanguard.appraisal.models import Cycle
    from vanguard.core import batch

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    cycle = Cycle.objects.select_related("organization").get(pk=cycle_id)
    chunks = cycles.close_chunks(cycle)  # one branch each, or a run of them in a large committee
    by_id = {chunk[0].pk: chunk for chunk in chunks}
    items = [batch.Item(chunk[0].pk, cycles.chunk_label(chunk)) for chunk in chunks]
    publish_item = batch.Item(0, "公示结果（挂旗）并生成谈话任务")

    def work(item: batch.Item) -> None:
        if item.id == 0:
            before = Cycle.objects.get(pk=cycle_id).state
            cycles.publish(cycle=cycle, acting_user=user)
            if before != "open":
                raise batch.Skip("已公示，结果不变")
            return
        counted = cycles.close_branches(cycle=cycle, branches=by_id[item.id], acting_user=user)
        if counted is None:
            raise batch.Skip("周期已公示，结果不变")

    batch.run(job_id, [*items, publish_item], work)
