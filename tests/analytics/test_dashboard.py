"""The dashboard against the raw tables: a small, known day of conversations."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest

from deskpilot.db import Database
from tests.analytics.recount import mean, pct, recount
from tests.clients import agent_client, customer_client
from tests.conftest import NOW
from tests.factories import make_customer

PERIOD = {
    "start": (NOW - timedelta(hours=1)).isoformat(),
    "end": (NOW + timedelta(days=1)).isoformat(),
}


def _chat(client: httpx.Client, *texts: str) -> str:
    conv = client.post("/api/v1/conversations").json()["conversation_id"]
    for text in texts:
        res = client.post(f"/api/v1/conversations/{conv}/messages", json={"text": text})
        assert res.status_code == 200, res.text
    return str(conv)


def _end(client: httpx.Client, conv: str, score: int | None = None) -> None:
    assert client.post(f"/api/v1/conversations/{conv}/end").status_code == 200
    if score is not None:
        res = client.post(f"/api/v1/conversations/{conv}/rating", json={"score": score})
        assert res.status_code == 200, res.text


def _a_known_day(db: Database, url: str, clock: Any) -> dict[str, str]:
    """Two assistant chats (the second a repeat of the first), one an agent handled,
    one where the customer left before an agent came, one still open."""
    a, b, c, d = (make_customer(db, "in_transit", seed=s) for s in (1, 2, 3, 4))
    with (
        agent_client(url, "sam", "super-pass-1") as sup,
        agent_client(url, "alex", "agent-pass-1") as alex,
    ):
        return _chats(url, clock, (a, b, c, d), sup, alex)


def _chats(
    url: str, clock: Any, customers: Any, sup: httpx.Client, alex: httpx.Client
) -> dict[str, str]:
    a, b, c, d = customers
    convs: dict[str, str] = {}
    with customer_client(url, a.customer_id) as ca:
        convs["first"] = _chat(ca, "where is my parcel?")
        _end(ca, convs["first"], 5)
        clock.advance(hours=1)
        convs["repeat"] = _chat(ca, "where is my parcel?")
        _end(ca, convs["repeat"], 4)
    with customer_client(url, b.customer_id) as cb:
        convs["human"] = _chat(cb, "I want to talk to a person")
        clock.advance(seconds=90)
        assert alex.post(f"/api/v1/agent/conversations/{convs['human']}/claim").status_code == 200
        clock.advance(seconds=30)
        alex.post(f"/api/v1/agent/conversations/{convs['human']}/messages", json={"text": "Hi!"})
        clock.advance(minutes=5)
        res = alex.post(
            f"/api/v1/agent/conversations/{convs['human']}/close",
            json={"resolution_code": "resolved"},
        )
        assert res.status_code == 200, res.text
        res = cb.post(f"/api/v1/conversations/{convs['human']}/rating", json={"score": 2})
        assert res.status_code == 200
    with customer_client(url, c.customer_id) as cc:
        convs["left"] = _chat(cc, "I want to talk to a person")
        clock.advance(minutes=2)
        _end(cc, convs["left"])
    with customer_client(url, d.customer_id) as cd:
        convs["open"] = _chat(cd, "where is my parcel?")
    for conv, severity, categories in (("first", "minor", ["tone"]), ("human", "none", [])):
        res = sup.post(
            "/api/v1/reviews",
            json={"conversation_id": convs[conv], "severity": severity, "categories": categories},
        )
        assert res.status_code == 200, res.text
    return convs


def test_that_the_dashboard_agrees_with_a_recount_from_the_raw_tables(
    live_app: Any, db: Database, clock: Any
) -> None:
    _, server = live_app
    _a_known_day(db, server.url, clock)
    sup = agent_client(server.url, "sam", "super-pass-1")
    d = sup.get("/api/v1/analytics/dashboard", params=PERIOD).json()
    r = recount(db, NOW - timedelta(hours=1), NOW + timedelta(days=1))
    # What a supervisor would read off the page, and what the raw rows say.
    assert (d["conversations"], d["ended"], d["open"]) == (5, 4, 1) == (r.conversations, r.ended, 1)
    assert d["automation"]["rate"] == 0.5 == r.handled["assistant"] / r.ended
    assert d["handoff"]["rate"] == 0.5 == r.handed_off / r.ended
    assert d["unattended"] == 1 == r.handled["unattended"]
    assert d["handoff_reasons"] == dict(r.reasons)
    human, assistant = d["human"], d["assistant"]
    assert human["handling_seconds"]["mean"] == pytest.approx(330.0) == r.handling[0]
    assert human["first_response_seconds"]["median"] == pytest.approx(120.0)
    assert human["first_response_seconds"]["median"] == pytest.approx(
        pct(r.first_response["human"], 0.5)
    )
    assert human["resolution_seconds"]["median"] == pytest.approx(420.0)
    for side in ("assistant", "human"):
        got = d[side]
        assert got["resolution_seconds"]["median"] == pytest.approx(
            pct(r.resolution[side], 0.5), abs=1e-3
        )
        assert got["resolution_seconds"]["p90"] == pytest.approx(
            pct(r.resolution[side], 0.9), abs=1e-3
        )
        assert got["csat"]["mean"] == pytest.approx(mean(r.csat[side]), abs=1e-3)
        assert got["repeat_contacts"]["count"] == r.repeats[side]
        reviewed = r.severities[side]
        assert got["quality"]["reviewed"] == sum(reviewed.values())
        assert got["quality"]["severity"] == {
            k: reviewed.get(k, 0) for k in ("none", "minor", "major", "critical")
        }
    assert assistant["first_response_seconds"]["median"] == pytest.approx(
        pct(r.first_response["assistant"], 0.5), abs=1e-3
    )
    assert assistant["csat"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert assistant["repeat_contacts"]["rate"] == 0.5  # the first chat came back
    assert assistant["quality"]["error_rate"]["rate"] == 1.0
    assert human["quality"]["error_rate"]["rate"] == 0.0
    w = d["workload"]
    assert w["assistant_resolved"] == 2 and w["human_handled"] == 2
    assert w["hours_saved"] == pytest.approx(2 * 330 / 3600, abs=0.01)
    assert w["saved"] == pytest.approx(2 * (6.0 - 0.25))
    by_language = {s["key"]: s for s in d["by_language"]}
    for language, counts in r.by_language.items():
        assert by_language[language]["conversations"] == counts["all"]
        assert by_language[language]["automation"]["count"] == counts["assistant"]


def test_that_the_review_queue_puts_warning_signs_first_and_takes_verdicts_once(
    live_app: Any, db: Database, clock: Any
) -> None:
    _, server = live_app
    convs = _a_known_day(db, server.url, clock)
    sup = agent_client(server.url, "sam", "super-pass-1")
    queue = sup.get("/api/v1/reviews/queue").json()
    ids = [q["conversation_id"] for q in queue]
    assert convs["open"] not in ids  # still running
    assert convs["first"] not in ids and convs["human"] not in ids  # reviewed already
    left = next(q for q in queue if q["conversation_id"] == convs["left"])
    assert "unattended" in left["flags"] and left["transcript"][0]["role"] == "assistant"
    assert [q["priority"] for q in queue] == sorted((q["priority"] for q in queue), reverse=True)
    # Bad verdicts change nothing; a second verdict is a conflict; agents cannot review.
    for body in (
        {"conversation_id": convs["left"], "severity": "awful"},
        {"conversation_id": convs["left"], "severity": "major"},  # an error needs a category
        {"conversation_id": convs["left"], "severity": "minor", "categories": ["nonsense"]},
    ):
        res = sup.post("/api/v1/reviews", json=body)
        assert res.status_code == 422 and res.json()["code"] == "invalid_input", body
    assert convs["left"] in [q["conversation_id"] for q in sup.get("/api/v1/reviews/queue").json()]
    open_review = sup.post(
        "/api/v1/reviews", json={"conversation_id": convs["open"], "severity": "none"}
    )
    assert open_review.status_code == 409
    again = sup.post(
        "/api/v1/reviews", json={"conversation_id": convs["first"], "severity": "none"}
    )
    assert again.status_code == 409
    alex = agent_client(server.url, "alex", "agent-pass-1")
    assert alex.get("/api/v1/reviews/queue").status_code == 403
    assert alex.get("/api/v1/analytics/dashboard").status_code == 403


def test_that_every_table_exports_as_csv_matching_the_dashboard(
    live_app: Any, db: Database, clock: Any
) -> None:
    _, server = live_app
    _a_known_day(db, server.url, clock)
    sup = agent_client(server.url, "sam", "super-pass-1")
    d = sup.get("/api/v1/analytics/dashboard", params=PERIOD).json()
    res = sup.get("/api/v1/analytics/export/by_language.csv", params=PERIOD)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert {r["key"]: int(r["conversations"]) for r in rows} == {
        s["key"]: s["conversations"] for s in d["by_language"]
    }
    summary = list(
        csv.DictReader(
            io.StringIO(sup.get("/api/v1/analytics/export/summary.csv", params=PERIOD).text)
        )
    )
    assert {"automation rate", "CSAT mean", "full-time equivalents"} <= {
        r["metric"] for r in summary
    }
    assert sup.get("/api/v1/analytics/export/nope.csv").status_code == 404
    bad = sup.get(
        "/api/v1/analytics/dashboard", params={"start": "2026-06-16", "end": "2026-06-15"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
