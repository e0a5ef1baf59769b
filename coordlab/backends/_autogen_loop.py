"""Running AutoGen teams from synchronous code, and resuming them.

AutoGen is async; coordlab's ``run_trial`` is synchronous and must work the same from a script
and from a notebook whose own loop is already running. So every AutoGen team of the process
runs on one loop in a background thread (:func:`event_loop`), and the caller waits for it.
:func:`requeueable` fixes a ``GraphFlow`` state so that ``load_state`` can resume it.

Example:
    >>> async def answer():
    ...     return 42
    >>> event_loop().run(answer())
    42
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping


class EventLoopThread:
    """An event loop in a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="coordlab-autogen", daemon=True
        )
        self._thread.start()

    def run(self, coro):
        """Run ``coro`` on the loop and return its result (from any other thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("EventLoopThread.run called from its own loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


_LOOP: EventLoopThread | None = None


def event_loop() -> EventLoopThread:
    """The shared loop every AutoGen team of this process runs on."""
    global _LOOP
    if _LOOP is None:
        _LOOP = EventLoopThread()
    return _LOOP


def requeueable(state: Mapping) -> Mapping:
    """A ``GraphFlow`` team's saved ``state``, fixed so that its queued nodes can run again.

    GraphFlow 0.7.5 saves which nodes are queued (``ready``) and marks them as queued
    (``enqueued_any``), but not what clears a mark once its node runs, so after ``load_state``
    a node queued at the stop could never be queued again: a later loop back to it ends the
    graph ("Digraph execution is complete"; microsoft/autogen#7043). A node in ``ready`` is
    about to run, so its marks are cleared now instead.
    """
    for saved in state["agent_states"].values():
        for node in saved.get("ready", ()):
            saved["enqueued_any"][node] = dict.fromkeys(saved["enqueued_any"][node], False)
    return state
