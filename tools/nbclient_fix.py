"""Work around nbclient's missed execute replies after widget cells (jupyter/nbclient#312).

When a cell displays ipywidgets (every chapter's explorers do), nbclient sometimes misses
the moment the kernel's reply arrives on the shell channel and only notices it when the
cell's timeout runs out: the cell succeeds, but minutes late. It happens more often on a
busy machine; measured here, 1 to 4 runs in 12 of a widget notebook stalled, 0 of 12 with
this fix. The fix asks for the reply in short slices (0.2 s) instead of one long wait, as
proposed upstream in jupyter/nbclient#311, so a missed wake-up costs a fraction of a second.

It is installed wherever the course executes notebooks without a browser:

- the tests and the benchmarks call :func:`install`;
- ``nbgrader_config.py`` calls it, so ``nbgrader autograde`` gets it;
- ``_config.yml`` loads this file as a Sphinx extension, so the book build gets it.

Remove this module when nbclient fixes the issue.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic

import nbclient.client
from jupyter_core.utils import ensure_async

SLICE_S = 0.2
_original = nbclient.client.NotebookClient._async_poll_for_reply


async def _poll_for_reply_in_slices(self, msg_id, cell, timeout, *args, **kwargs):
    """nbclient's ``_async_poll_for_reply``, reading the shell channel in short slices."""
    channel = self.kc.shell_channel
    get_msg = channel.get_msg
    deadline = None if timeout is None else monotonic() + timeout

    async def get_msg_in_slices(timeout=None, **options):
        while True:
            left = None if deadline is None else deadline - monotonic()
            try:
                return await ensure_async(get_msg(timeout=SLICE_S if left is None else max(0.0, min(SLICE_S, left)),
                                                  **options))
            except Empty:
                if left is not None and left <= SLICE_S:
                    raise

    channel.get_msg = get_msg_in_slices
    try:
        return await _original(self, msg_id, cell, timeout, *args, **kwargs)
    finally:
        del channel.get_msg


def install() -> None:
    """Patch nbclient in this process (idempotent)."""
    nbclient.client.NotebookClient._async_poll_for_reply = _poll_for_reply_in_slices


def setup(app):
    """Sphinx extension entry point: patch nbclient before myst-nb executes the chapters."""
    install()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
