"""A circuit breaker: stop calling a model that keeps failing, try again after a pause."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Opens after ``failures`` consecutive failed calls; while open every call is refused
    at once, so a dead endpoint costs nothing per turn. After ``cooldown`` seconds one
    trial call is let through (half-open): success closes the breaker, failure reopens it.

    ``clock`` returns monotonic seconds; tests pass a clock they can move.
    """

    def __init__(
        self,
        failures: int,
        cooldown: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1:
            raise ValueError("a circuit breaker needs failures >= 1")
        if cooldown < 0:
            raise ValueError("a circuit breaker needs cooldown >= 0")
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state: BreakerState = "closed"
        self._consecutive = 0
        self._opened_at = 0.0

    @property
    def state(self) -> BreakerState:
        """``closed`` (calls flow), ``open`` (calls refused) or ``half_open`` (one trial)."""
        return self._state

    def allow(self) -> bool:
        """Whether a call may go out now; after the cool-down, only the one trial call."""
        with self._lock:
            if self._state == "closed":
                return True
            if self._state == "open" and self._clock() - self._opened_at >= self._cooldown:
                self._state = "half_open"
                return True
            return False

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when not open)."""
        if self._state != "open":
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        with self._lock:
            self._state = "closed"
            self._consecutive = 0

    def record_failure(self) -> None:
        with self._lock:
            self._consecutive += 1
            if self._state == "half_open" or self._consecutive >= self._threshold:
                self._state = "open"
                self._opened_at = self._clock()
