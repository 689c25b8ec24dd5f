"""The Celery app. Workers run in production (CELERY_BROKER_URL=redis://…); in the
embedded default CELERY_TASK_ALWAYS_EAGER runs tasks in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("vanguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
