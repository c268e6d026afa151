"""The Celery application.

All settings live in Django settings under the ``CELERY_`` namespace
(config/settings/base.py); this module only wires them up. Tasks subclass
Celery's ``DjangoTask`` (the default with the Django fix-up), so services enqueue
with ``task.delay_on_commit(...)``: a task never runs before the row it needs is
committed.
"""

import logging
import logging.handlers
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("certassess")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger("certassess.tasks")


@after_setup_logger.connect
def log_to_the_logfile(logger: logging.Logger, logfile: Any = None, **_kwargs: Any) -> None:
    """``celery worker --logfile=…`` (bin/run: var/log/worker.log): the worker's log goes
    to that file. Celery keeps Django's LOGGING (CELERY_WORKER_HIJACK_ROOT_LOGGER is off)
    and adds its own handler only to a logger that has none; the root logger has Django's
    console handler, so without this the file stayed empty and the log went to the
    terminal. Watched: logrotate may move the file."""
    if not isinstance(logfile, str) or not logfile:
        return
    from django.conf import settings

    handler = logging.handlers.WatchedFileHandler(logfile, encoding="utf-8")
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    logger.handlers = [h for h in logger.handlers
                       if type(h) is not logging.StreamHandler] + [handler]


def _ids(values: Any) -> list[Any]:
    """The ids a task was given (numbers, lists of numbers); anything else (a message's
    contents, a token) is left out of the log."""
    kept: list[Any] = []
    for value in values or ():
        if isinstance(value, int) or (isinstance(value, list) and value
                                      and all(isinstance(v, int) for v in value)):
            kept.append(value)
    return kept


@task_postrun.connect
def log_the_outcome(task: Any = None, args: Any = None, state: str | None = None,
                    **_kwargs: Any) -> None:
    """One line per task run: which task, on which objects (ids), with which outcome."""
    logger.info("%s %s: %s", getattr(task, "name", task), _ids(args), state)
