"""What the juries app announces to the apps above it (DESIGN.md §3: notifications tells
the member). Sent after the transaction commits, with ids only."""

from django.dispatch import Signal

#: A jury member was assigned to a candidate's sitting: ``assignment_id``.
assignment_created = Signal()
