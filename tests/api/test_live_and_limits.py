"""Live updates across workers (Redis) and the per-customer message limit."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import redis

from deskpilot.api.limits import RateLimited, RateLimiter
from deskpilot.api.live import LiveHub

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")


def test_that_an_event_published_by_one_worker_reaches_a_customer_on_another() -> None:
    _redis_available()
    from deskpilot.api.redis_hub import RedisHub

    async def scenario() -> dict[str, Any]:
        worker_a, worker_b = RedisHub(REDIS_URL), RedisHub(REDIS_URL)
        queue = worker_b.subscribe("conversation:x1")
        await asyncio.sleep(0.3)  # the Redis subscription is live
        await asyncio.to_thread(
            worker_a.publish,
            "conversation:x1",
            {"type": "message", "role": "agent", "text": "hello"},
        )
        try:
            return await asyncio.wait_for(queue.get(), timeout=5)  # type: ignore[no-any-return]
        finally:
            await worker_a.aclose()
            await worker_b.aclose()

    assert asyncio.run(scenario())["text"] == "hello"


def test_that_agent_presence_is_shared_between_workers() -> None:
    _redis_available()
    from deskpilot.api.redis_hub import PRESENCE, RedisHub

    with redis.Redis.from_url(REDIS_URL) as client:
        client.delete(PRESENCE)
    a, b = RedisHub(REDIS_URL), RedisHub(REDIS_URL)
    a.mark_online(7)
    assert b.online_count(60) == 1
    asyncio.run(a.aclose())
    asyncio.run(b.aclose())


def test_that_a_local_hub_delivers_only_to_its_topic() -> None:
    async def scenario() -> tuple[Any, bool]:
        hub = LiveHub()
        mine, other = hub.subscribe("conversation:a"), hub.subscribe("conversation:b")
        await asyncio.to_thread(hub.publish, "conversation:a", {"text": "for a"})
        got = await asyncio.wait_for(mine.get(), timeout=2)
        await asyncio.sleep(0.05)
        return got, other.empty()

    got, other_empty = asyncio.run(scenario())
    assert got == {"text": "for a"} and other_empty


def test_that_a_customer_sending_too_fast_is_slowed_down() -> None:
    limiter = RateLimiter(per_minute=3)
    for _ in range(3):
        limiter.check(1)
    with pytest.raises(RateLimited):
        limiter.check(1)
    limiter.check(2)  # another customer is not affected
