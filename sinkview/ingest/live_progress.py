"""Live progress of one long DuckDB statement: a large file's read, or its check.

DuckDB tells another thread how far a running statement has got (``query_progress``, a
percentage, or -1 when it cannot tell). ``reported`` polls it while its block runs and hands
the share done (0 to 1) to a callback, so a progress display moves during a statement that
takes many seconds instead of jumping at its end. A display that fails stops the polling,
never the import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

from sinkview.store.database import settings_while

POLL_EVERY_S = 0.5


@contextmanager
def reported(cursor, on_share: Callable[[float], None] | None, every_s: float = POLL_EVERY_S):
    """Run the block with ``on_share(share)`` called from a second thread every ``every_s``."""
    if on_share is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        last = 0.0
        while not stop.wait(every_s):
            try:
                percent = cursor.query_progress()   # -1 when it cannot tell
                if percent / 100 > last:
                    last = min(percent / 100, 1.0)
                    on_share(last)
            except Exception:   # a display that cannot be updated is not worth an import
                return

    # DuckDB keeps count of a statement's progress only with its progress bar on (not printed).
    with settings_while(cursor, enable_progress_bar=True, enable_progress_bar_print=False):
        poller = threading.Thread(target=poll, name="sinkview-progress", daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join()
