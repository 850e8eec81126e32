"""Live updates across several workers: Redis pub/sub behind the same hub interface.

Each worker keeps its local subscribers (WebSockets) and one Redis subscription; a
publish goes to Redis, and every worker delivers it to its own subscribers. Agents'
presence is kept in Redis too, so expected waits agree across workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import redis
import redis.asyncio as aioredis

from deskpilot.api.live import LiveHub

CHANNEL = "deskpilot:events"
PRESENCE = "deskpilot:agents_online"


class RedisHub(LiveHub):
    """A LiveHub whose publishes travel through Redis to every worker."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._client = redis.Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    def subscribe(self, topic: str) -> asyncio.Queue[Any]:
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        return super().subscribe(topic)

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._client.publish(CHANNEL, json.dumps({"topic": topic, "event": event}))

    async def _listen(self) -> None:
        client = aioredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                data = json.loads(message["data"])
                LiveHub.publish(self, data["topic"], data["event"])
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    async def aclose(self) -> None:
        """Stop listening and close the connections (on shutdown)."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._client.close()

    def mark_online(self, agent_id: int) -> None:
        self._client.zadd(PRESENCE, {str(agent_id): time.time()})

    def online_count(self, within_seconds: int) -> int:
        return int(self._client.zcount(PRESENCE, time.time() - within_seconds, "+inf"))
