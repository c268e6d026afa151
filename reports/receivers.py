"""The reports app's answers to the deliberation's announcements (``deliberations.signals``),
connected in ``ReportsConfig.ready()``: thin, they enqueue the idempotent tasks."""

from __future__ import annotations

from typing import Any


def on_deliberation_signed(*, deliberation_id: int, **_kwargs: Any) -> None:
    from reports.tasks import issue_for_deliberation_task

    issue_for_deliberation_task.delay(deliberation_id)


def on_decision_amended(*, amendment_id: int, **_kwargs: Any) -> None:
    from reports.tasks import reissue_for_amendment_task

    reissue_for_amendment_task.delay(amendment_id)
