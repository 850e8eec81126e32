"""Live updates: an in-process hub that fans conversation events out to WebSockets.

Events are published from worker threads (the sync routes) and delivered on the event
loop of each subscriber. One process only: several workers would need Redis pub/sub.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from typing import Any


class LiveHub:
    """Subscribers per topic ('conversation:<id>', 'queue'); publish from any thread."""

    def __init__(self) -> None:
        self._subs: defaultdict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]]]
        self._subs = defaultdict(set)
        self._lock = threading.Lock()
        self._seen: dict[int, float] = {}

    def subscribe(self, topic: str) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)
        with self._lock:
            self._subs[topic].add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, topic: str, queue: asyncio.Queue[Any]) -> None:
        with self._lock:
            self._subs[topic] = {s for s in self._subs[topic] if s[1] is not queue}

    def mark_online(self, agent_id: int) -> None:
        """Remember that an agent was active now (per process here; shared with Redis)."""
        self._seen[agent_id] = time.monotonic()

    def online_count(self, within_seconds: int) -> int:
        now = time.monotonic()
        return sum(1 for t in self._seen.values() if now - t < within_seconds)

    async def aclose(self) -> None:
        """Nothing to release for the in-process hub."""

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subs.get(topic, ()))
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_put, queue, event)
            except RuntimeError:  # the subscriber's loop is gone
                self.unsubscribe(topic, queue)


def _put(queue: asyncio.Queue[Any], event: dict[str, Any]) -> None:
    if not queue.full():
        queue.put_nowait(event)
