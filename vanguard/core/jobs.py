"""Background work: Celery on Redis in production, in-process in the embedded default
(CELERY_TASK_ALWAYS_EAGER). Callers use `enqueue` and never care which."""

from django.db import transaction


def enqueue(task, *args, **kwargs):
    """Send the task after the current transaction commits, so a worker never sees a
    job for rows that were rolled back."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
