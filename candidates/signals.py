"""What the candidates app announces to the apps above it (DESIGN.md §3): they keep copies
of a candidate's personal data (messages sent), and candidates may not import them; they
connect their receivers from their own ``AppConfig.ready()``."""

from django.dispatch import Signal

#: A candidate's personal data were erased (RGPD art. 17), sent inside the erasure's
#: transaction: ``candidate_id``, ``user_id`` (or None), ``email`` (as it was, or ""),
#: ``enrolment_ids``. A receiver scrubs its own copies in the same transaction.
candidate_erased = Signal()
