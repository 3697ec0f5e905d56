"""Celery for deployments: ``celery -A config worker -B``. The broker is REDIS_URL."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
