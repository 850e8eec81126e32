"""A simulated quality reviewer: after the conversations, works through part of the review
queue and records a verdict per conversation.

The verdicts are simulated: severities drawn from fixed error rates (assistant and human
separately), not anyone's judgement of the transcript.
"""

from __future__ import annotations

import random
from typing import Any

from deskpilot.simulation._config import severity
from deskpilot.simulation._shared import Shared

REVIEWS = "/api/v1/reviews"
QUEUE_LIMIT = 100
NOTES = "Simulated review (deskpilot simulate): severity drawn at random, transcript unread."


async def review(shared: Shared, token: str | None) -> None:
    """Review part of the queue as a supervisor; skipped, with a warning, where the
    service has no review API yet or no supervisor could log in."""
    report = shared.report
    if token is None:
        report.warn("Reviews skipped: no simulated agent logged in as a supervisor")
        return
    api = shared.api
    rubric = await api.call("review rubric", "GET", f"{REVIEWS}/rubric", token, tolerate=(404,))
    if rubric is None:
        return
    if rubric.status_code == 404:
        report.warn("Reviews skipped: the service has no review API (GET /api/v1/reviews/*)")
        return
    body = rubric.json()
    categories = sorted(body.get("categories") or {}) if isinstance(body, dict) else []
    queue = await _queue(shared, token)
    rng = random.Random(f"deskpilot-simulate:{shared.config.seed}:reviews")
    for item in queue:
        if rng.random() >= shared.config.review_share:
            continue
        verdict = _verdict(shared, rng, item, categories)
        done = await api.call("post review", "POST", REVIEWS, token, json=verdict)
        if done is not None:
            report.reviews[str(verdict["severity"])] += 1


async def _queue(shared: Shared, token: str) -> list[dict[str, Any]]:
    """The review queue, as much of it as the service hands out at once."""
    limit = min(QUEUE_LIMIT, max(20, shared.config.conversations))
    path = f"{REVIEWS}/queue"
    res = await shared.api.call(
        "review queue", "GET", path, token, params={"limit": limit}, tolerate=(422,)
    )
    if res is not None and res.status_code == 422:  # a smaller maximum: take its default
        res = await shared.api.call("review queue", "GET", path, token)
    body = res.json() if res is not None else None
    return [i for i in body if isinstance(i, dict)] if isinstance(body, list) else []


def _verdict(
    shared: Shared, rng: random.Random, item: dict[str, Any], categories: list[str]
) -> dict[str, Any]:
    config = shared.config
    human = item.get("handled_by") == "human"
    found = severity(rng, config.human_error_rates if human else config.assistant_error_rates)
    return {
        "conversation_id": str(item.get("conversation_id")),
        "severity": found,
        "categories": [rng.choice(categories)] if found != "none" and categories else [],
        "notes": NOTES,
    }
