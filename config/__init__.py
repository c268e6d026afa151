# Load the Celery app with Django so that tasks use it and `on_commit` helpers work.
from config.celery_app import app as celery_app

__all__ = ("celery_app",)
