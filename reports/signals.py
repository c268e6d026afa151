"""What the reports app announces to the apps above it (DESIGN.md §3: notifications tells
the candidates whose documents are ready). Sent by the workers, with ids only."""

from django.dispatch import Signal

#: A rendering task finished with these documents (issued or not): ``document_ids``.
documents_rendered = Signal()
