"""The HTTP API on a real server: customers, agents, live updates, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from deskpilot.api.auth import issue_token
from deskpilot.config import DEMO_SECRET
from deskpilot.db import Database
from deskpilot.db import models as m
from tests.clients import agent_client, customer_client
from tests.factories import make_customer


def test_that_a_customer_chats_through_the_api(live_app: Any, db: Database) -> None:
    _, server = live_app
    c = make_customer(db, "in_transit")
    with customer_client(server.url, c.customer_id) as client:
        start = client.post("/api/v1/conversations").json()
        assert "AI assistant" in start["messages"][0]
        reply = client.post(
            f"/api/v1/conversations/{start['conversation_id']}/messages",
            json={"text": "where is my parcel?"},
        ).json()
        assert c.orders[0] in reply["messages"][0]
        history = client.get(f"/api/v1/conversations/{start['conversation_id']}").json()
        assert [t["role"] for t in history["messages"]][:3] == [
            "assistant",
            "customer",
            "assistant",
        ]


def test_that_a_customer_can_never_reach_another_customers_conversation(
    live_app: Any, db: Database
) -> None:
    _, server = live_app
    a = make_customer(db, "paid_off", seed=3)
    b = make_customer(db, "paid_off", seed=4)
    with (
        customer_client(server.url, a.customer_id) as alice,
        customer_client(server.url, b.customer_id) as bob,
    ):
        conv = alice.post("/api/v1/conversations").json()["conversation_id"]
        for res in (
            bob.get(f"/api/v1/conversations/{conv}"),
            bob.post(f"/api/v1/conversations/{conv}/messages", json={"text": "hi"}),
            bob.post(f"/api/v1/conversations/{conv}/rating", json={"score": 1}),
        ):
            assert res.status_code == 404 and res.json()["code"] == "not_found"
        bob_token = bob.headers["Authorization"].split()[1]
        ws_url = server.url.replace("http", "ws") + f"/api/v1/conversations/{conv}/ws?token="
        with pytest.raises(Exception), connect(ws_url + bob_token, open_timeout=5) as ws:  # noqa: B017
            ws.recv(timeout=2)


def test_that_bad_credentials_and_bad_input_get_typed_errors(live_app: Any, db: Database) -> None:
    _, server = live_app
    c = make_customer(db, "paid_off")
    anonymous = httpx.post(f"{server.url}/api/v1/conversations")
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "permission_denied"
    expired = issue_token(
        DEMO_SECRET, "customer", c.customer_id, datetime.now(UTC) - timedelta(hours=3), 60
    )
    res = httpx.post(
        f"{server.url}/api/v1/conversations", headers={"Authorization": f"Bearer {expired}"}
    )
    assert res.status_code == 403 and "expired" in res.json()["message"]
    forged = issue_token(
        "not-the-secret-but-long-enough-for-hs256!",
        "customer",
        c.customer_id,
        datetime.now(UTC),
        60,
    )
    res = httpx.post(
        f"{server.url}/api/v1/conversations", headers={"Authorization": f"Bearer {forged}"}
    )
    assert res.status_code == 403
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        for body in ({"text": "x" * 2001}, {"text": ""}, {"text": 5}, {"nope": 1}):
            res = client.post(f"/api/v1/conversations/{conv}/messages", json=body)
            assert res.status_code == 422 and res.json()["code"] == "invalid_input", body
        res = client.post(
            f"/api/v1/conversations/{conv}/messages",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert res.status_code == 422
        assert (
            client.post(f"/api/v1/conversations/{conv}/rating", json={"score": 9}).status_code
            == 422
        )
        assert (
            client.post(
                f"/api/v1/conversations/{conv}/rating", json={"score": 5, "comment": "quick"}
            ).status_code
            == 200
        )
        again = client.post(f"/api/v1/conversations/{conv}/rating", json={"score": 1})
        assert again.status_code == 422 and again.json()["code"] == "policy_refused"
        assert (
            client.post(
                f"/api/v1/conversations/{conv}/messages", json={"text": "still here?"}
            ).status_code
            == 200
        )
    with db.session() as s:
        assert s.scalar(select(m.Conversation.csat_score)) == 5


def test_that_a_handoff_reaches_an_agent_who_helps_live(live_app: Any, db: Database) -> None:
    _, server = live_app
    c = make_customer(db, "overdue", card="active")
    agent = agent_client(server.url, "alex", "agent-pass-1")
    agent.get("/api/v1/agent/queue")  # the agent is online
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        token = client.headers["Authorization"].split()[1]
        ws_url = server.url.replace("http", "ws") + f"/api/v1/conversations/{conv}/ws?token={token}"
        with connect(ws_url, open_timeout=5) as ws:
            handed = client.post(
                f"/api/v1/conversations/{conv}/messages",
                json={"text": "I want to talk to a person"},
            ).json()
            assert handed["handoff"] == "customer_request"
            assert "minutes" in handed["messages"][0]  # an agent is online: expected wait
            queue = agent.get("/api/v1/agent/queue")
            assert [q["conversation_id"] for q in queue.json()] == [conv]
            assert agent.post(f"/api/v1/agent/conversations/{conv}/claim").status_code == 200
            view = agent.get(f"/api/v1/agent/conversations/{conv}").json()
            assert view["handoff"]["reason"] == "customer_request"
            assert [h["role"] for h in view["history"]][:2] == ["assistant", "customer"]
            assert view["copilot"]["replies"] and view["copilot"]["summary"]
            assert view["context"]["get_customer_overview"]["customer_id"] == c.customer_id
            agent.post(
                f"/api/v1/agent/conversations/{conv}/messages",
                json={"text": "Hi, I'm Alex from the team."},
            )
            events = _events_until(ws, lambda e: e.get("role") == "agent")
            assert events[-1] == {
                "type": "message",
                "role": "agent",
                "text": "Hi, I'm Alex from the team.",
                "author": "Alex",
            }
            suggestion = view["copilot"]["actions"][0]
            done = agent.post(
                f"/api/v1/agent/conversations/{conv}/actions",
                json={"action": suggestion["action"], "args": suggestion["args"]},
            )
            assert done.status_code == 200, done.text
            assert (
                _events_until(ws, lambda e: e.get("type") == "action")[-1]["action"]
                == suggestion["action"]
            )
        quiet = client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": "thank you!"}
        ).json()
        assert quiet["messages"] == []  # a person is talking; the assistant stays quiet
        assert (
            agent.post(
                f"/api/v1/agent/conversations/{conv}/close", json={"resolution_code": "bogus"}
            ).status_code
            == 422
        )
        assert (
            agent.post(
                f"/api/v1/agent/conversations/{conv}/close", json={"resolution_code": "resolved"}
            ).status_code
            == 200
        )
    with db.session() as s:
        audited = s.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == suggestion["action"])
        ).one()
    assert audited.actor_kind == "agent" and audited.outcome == "ok"


def _events_until(ws: Any, done: Any, limit: int = 20) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for _ in range(limit):
        events.append(json.loads(ws.recv(timeout=5)))
        if done(events[-1]):
            return events
    raise AssertionError(f"no such event in {events}")


def test_that_a_second_agent_cannot_take_a_claimed_conversation(
    live_app: Any, db: Database
) -> None:
    app, server = live_app
    app.state.workspace.create_agent("kim", "agent-pass-2", "agent", "Kim")
    c = make_customer(db, "delivered_recent")
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        client.post(f"/api/v1/conversations/{conv}/messages", json={"text": "agent"})
    alex = agent_client(server.url, "alex", "agent-pass-1")
    kim = agent_client(server.url, "kim", "agent-pass-2")
    assert alex.post(f"/api/v1/agent/conversations/{conv}/claim").status_code == 200
    taken = kim.post(f"/api/v1/agent/conversations/{conv}/claim")
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    sneaky = kim.post(f"/api/v1/agent/conversations/{conv}/messages", json={"text": "hi"})
    assert sneaky.status_code == 403


def test_that_handing_back_returns_the_customer_to_the_assistant(
    live_app: Any, db: Database
) -> None:
    _, server = live_app
    c = make_customer(db, "in_transit")
    alex = agent_client(server.url, "alex", "agent-pass-1")
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        client.post(f"/api/v1/conversations/{conv}/messages", json={"text": "agent please"})
        alex.post(f"/api/v1/agent/conversations/{conv}/claim")
        assert alex.post(f"/api/v1/agent/conversations/{conv}/handback").status_code == 200
        reply = client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": "where is my parcel?"}
        ).json()
        assert c.orders[0] in reply["messages"][0]


def test_that_with_no_agent_online_the_customer_gets_a_ticket_and_a_time(
    live_app: Any, db: Database
) -> None:
    _, server = live_app
    c = make_customer(db, "delivered_recent")
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        reply = client.post(f"/api/v1/conversations/{conv}/messages", json={"text": "agent"}).json()
    assert "24 hours" in reply["messages"][0] and "#" in reply["messages"][0]


def test_that_only_supervisors_see_the_live_counts(live_app: Any, db: Database) -> None:
    _, server = live_app
    alex = agent_client(server.url, "alex", "agent-pass-1")
    sam = agent_client(server.url, "sam", "super-pass-1")
    assert alex.get("/api/v1/agent/stats").status_code == 403
    stats = sam.get("/api/v1/agent/stats").json()
    assert {"open", "waiting", "handled_by_assistant", "handled_by_humans"} <= set(stats)
    wrong = httpx.post(
        f"{server.url}/api/v1/agent/login", json={"username": "alex", "password": "wrong-password"}
    )
    assert wrong.status_code == 403


def test_that_the_openapi_document_and_pages_are_served(live_app: Any) -> None:
    _, server = live_app
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/v1/conversations/{conversation_id}/messages" in spec["paths"]
    for page in ("/chat", "/agent", "/supervisor"):
        assert httpx.get(f"{server.url}{page}").status_code == 200
