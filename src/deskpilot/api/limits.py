"""A per-customer sliding-window rate limit on messages."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from deskpilot.errors import DeskPilotError


class RateLimited(DeskPilotError):
    """Too many messages in a short time."""

    code = "rate_limited"


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: defaultdict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: int) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise RateLimited("Too many messages; please wait a moment")
            hits.append(now)
