"""The Celery application.

All settings live in Django settings under the ``CELERY_`` namespace
(config/settings/base.py); this module only wires them up. Tasks subclass
Celery's ``DjangoTask`` (the default with the Django fix-up), so services enqueue
with ``task.delay_on_commit(...)``: a task never runs before the row it needs is
committed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("certassess")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
