"""``celery …`` with every document render slowed down, for tests/test_worker_kill.py
(test-only, never imported by the product):

    python -m tests.slow_worker -A config worker …

Each render sleeps ``SLOW_RENDER_BEFORE`` seconds before the real ``render_pdf`` or
``render_pdfs`` (the row
is "rendering") and ``SLOW_RENDER_AFTER_WRITE`` seconds after the storage wrote the
document's file (written, not yet recorded on the row), so that a SIGKILL lands in the
middle of a render without any sleep in product code.
"""

from __future__ import annotations

import os
import sys
import time


def _slow_down() -> None:
    from django.core.files.storage import FileSystemStorage

    import reports.documents

    before = float(os.environ.get("SLOW_RENDER_BEFORE", "0"))
    after_write = float(os.environ.get("SLOW_RENDER_AFTER_WRITE", "0"))
    render_pdf, render_pdfs = reports.documents.render_pdf, reports.documents.render_pdfs
    save = FileSystemStorage._save

    def slow_render_pdf(*args, **kwargs) -> bytes:
        time.sleep(before)
        return render_pdf(*args, **kwargs)

    def slow_render_pdfs(*args, **kwargs) -> list[bytes]:
        time.sleep(before)
        return render_pdfs(*args, **kwargs)

    def slow_save(self, name, content):
        saved = save(self, name, content)
        if name.startswith("documents/"):
            time.sleep(after_write)
        return saved

    reports.documents.render_pdf = slow_render_pdf
    reports.documents.render_pdfs = slow_render_pdfs
    FileSystemStorage._save = slow_save


def main() -> None:
    import django
    from celery.bin.celery import main as celery_main

    django.setup()
    _slow_down()  # in the main process: the pool processes are forked from it
    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
