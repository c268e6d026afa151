"""What the deliberation announces to the apps above it (DESIGN.md §3: reports issues the
documents). ``deliberations`` may not import them; they connect their receivers from their own
``AppConfig.ready()``. Sent after the transaction commits, with ids only."""

from django.dispatch import Signal

#: A deliberation was signed: ``deliberation_id``.
deliberation_signed = Signal()
#: A signed decision was amended: ``amendment_id``.
decision_amended = Signal()
#: A session's results were published: ``session_id``.
results_published = Signal()
