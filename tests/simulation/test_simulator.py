"""The simulator against the real service on 127.0.0.1: simulated customers chat in their
languages, simulated agents take the handoffs, and what they did lands in the database."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from deskpilot.cli._serve import DEMO_AGENTS
from deskpilot.config import Settings
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.errors import PermissionDenied
from deskpilot.simulation import (
    SimulationConfig,
    SimulationError,
    SimulationReport,
    plan,
    run_simulation,
)
from deskpilot.workspace import RESOLUTION_CODES
from tests.conftest import LiveServer
from tests.factories import make_customer

CONVERSATIONS = 20
# Customers in several markets and languages, each with an overdue payment among their orders.
PEOPLE = [
    ("GB", None),
    ("DE", None),
    ("SE", None),
    ("FR", None),
    ("ES", None),
    ("JP", None),
    ("PL", None),
    ("IT", None),
    ("NL", None),
    ("US", "es"),
    ("US", None),
    ("MX", None),
]
LOGINS = tuple((user, password) for user, password, _, _ in DEMO_AGENTS)


@dataclass
class Run:
    db: Database
    settings: Settings
    report: SimulationReport
    app: Any
    config: SimulationConfig


def _config(url: str, **overrides: Any) -> SimulationConfig:
    values: dict[str, Any] = {
        "conversations": CONVERSATIONS,
        "url": url,
        "concurrency": 8,
        "seed": 3,
        "agents": 3,
        "agent_logins": LOGINS,
        "handoff_share": 0.3,
        "repeat_share": 0.2,
        "rating_probability": 0.8,
        "time_scale": 0.002,  # an 11-minute human case takes about 1.3 s
    }
    return SimulationConfig(**(values | overrides))


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, understanding: object
) -> Iterator[Run]:
    """One simulated run against the whole service, shared by the tests below."""
    from deskpilot.api import create_app
    from deskpilot.engine.assistant import Assistant

    path = tmp_path_factory.mktemp("simulation") / "deskpilot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    for n, (country, language) in enumerate(PEOPLE):
        make_customer(
            db, "delivered_recent", "in_transit", "overdue", country=country, language=language,
            seed=40 + n,
        )  # fmt: skip
    settings = Settings(database_url=db.url, demo_mode=True)
    app = create_app(settings, Assistant(db, understanding))  # type: ignore[arg-type]
    for username, password, role, name in DEMO_AGENTS:
        app.state.workspace.create_agent(username, password, role, name)
    try:
        with LiveServer(app) as server:
            config = _config(server.url)
            report = run_simulation(config, settings, db)
        yield Run(db, settings, report, app, config)
    finally:
        db.dispose()


def test_that_every_simulated_conversation_reaches_the_service_and_most_end(run: Run) -> None:
    with run.db.session() as s:
        started = s.scalar(select(func.count(m.Conversation.id)))
        ended = s.scalar(
            select(func.count(m.Conversation.id)).where(m.Conversation.ended_at.is_not(None))
        )
        customer_turns = s.scalar(select(func.count(m.Turn.id)).where(m.Turn.role == "customer"))
    assert started == CONVERSATIONS == run.report.conversations
    assert ended is not None and ended >= 0.8 * CONVERSATIONS
    assert customer_turns == run.report.customer_turns >= CONVERSATIONS


def test_that_the_run_meets_no_server_error_and_no_failed_request(run: Run) -> None:
    assert run.report.server_errors == 0
    assert dict(run.report.errors) == {}


def test_that_customers_chat_in_their_own_languages(run: Run) -> None:
    with run.db.session() as s:
        rows = s.execute(
            select(m.Conversation.language, m.Customer.language).join(
                m.Customer, m.Conversation.customer_id == m.Customer.id
            )
        ).all()
    in_own = [conv for conv, own in rows if conv == own]
    assert len(in_own) >= 0.8 * len(rows)
    assert len({conv for conv, _ in rows} - {"en"}) >= 3  # not all English


def test_that_simulated_agents_claim_and_close_handed_off_conversations(run: Run) -> None:
    with run.db.session() as s:
        closed = s.execute(
            select(m.Handoff.resolution_code, m.Handoff.claimed_by).where(
                m.Handoff.status == "closed"
            )
        ).all()
        agent_turns = s.scalar(select(func.count(m.Turn.id)).where(m.Turn.role == "agent"))
    by_agent = [code for code, agent in closed if agent is not None]
    assert run.report.handoffs >= 2
    assert by_agent and all(code in (*RESOLUTION_CODES, "handed_back") for code in by_agent)
    assert agent_turns is not None and agent_turns >= len(by_agent)


def test_that_simulated_ratings_are_stored_on_the_conversations(run: Run) -> None:
    with run.db.session() as s:
        scores = s.scalars(
            select(m.Conversation.csat_score).where(m.Conversation.csat_score.is_not(None))
        ).all()
    assert len(scores) == sum(run.report.ratings.values()) >= CONVERSATIONS // 2
    assert set(scores) <= {1, 2, 3, 4, 5}


def test_that_some_customers_come_back_about_the_same_topic(run: Run) -> None:
    with run.db.session() as s:
        repeaters = s.execute(
            select(m.Conversation.customer_id)
            .group_by(m.Conversation.customer_id)
            .having(func.count(m.Conversation.id) > 1)
        ).all()
    assert run.report.repeat_contacts >= 1
    assert len(repeaters) >= 1


def test_that_reviews_are_posted_or_skipped_with_a_warning_without_a_review_api(
    run: Run,
) -> None:
    if "/api/v1/reviews" in run.app.openapi()["paths"]:
        with run.db.session() as s:
            stored = s.scalar(select(func.count()).select_from(m.Base.metadata.tables["reviews"]))
        assert stored == sum(run.report.reviews.values()) >= 1
    else:
        assert not run.report.reviews
        assert any("no review API" in w for w in run.report.warnings)


def test_that_the_same_seed_plans_the_same_contacts(run: Run) -> None:
    def shape(config: SimulationConfig) -> list[tuple[Any, ...]]:
        return [
            (c.customer.id, c.scenario.id, c.variant, c.wants_person, c.repeat_of)
            for c in plan(run.db, config)
        ]

    assert shape(run.config) == shape(run.config)
    assert shape(run.config) != shape(_config(run.config.url, seed=4))


def test_that_the_simulator_refuses_to_sign_tokens_outside_demo_mode(run: Run) -> None:
    production = Settings(database_url=run.db.url, demo_mode=False, secret_key="s" * 40)
    with pytest.raises(PermissionDenied, match="demo mode"):
        run_simulation(_config(run.config.url), production, run.db)


def test_that_no_service_at_the_url_stops_the_run_with_a_hint(run: Run) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(SimulationError, match="deskpilot serve"):
        run_simulation(_config(f"http://127.0.0.1:{port}"), run.settings, run.db)


def test_that_a_rate_limited_request_is_retried_after_a_pause_and_a_server_error_is_counted() -> (
    None
):
    # The service's limiter counts per minute, so a test would wait a minute for its window
    # to slide; a small real server answering 429 twice stands in for it.
    import asyncio

    import httpx
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from deskpilot.simulation._api import Api

    app = FastAPI()
    hits: list[int] = []

    @app.post("/limited")
    def limited() -> JSONResponse:
        hits.append(1)
        if len(hits) <= 2:
            return JSONResponse({"code": "rate_limited", "message": "wait"}, status_code=429)
        return JSONResponse({"ok": True})

    @app.get("/broken")
    def broken() -> JSONResponse:
        return JSONResponse({"code": "internal_error", "message": "oops"}, status_code=500)

    report = SimulationReport(planned=0)

    async def calls(url: str) -> tuple[Any, Any]:
        async with httpx.AsyncClient(base_url=url) as client:
            api = Api(client, report)
            return await api.json("limited", "POST", "/limited"), await api.call(
                "broken", "GET", "/broken"
            )

    with LiveServer(app) as server:
        ok, broken_call = asyncio.run(calls(server.url))
    assert ok == {"ok": True} and len(hits) == 3
    assert report.rate_limited == 2
    assert broken_call is None and report.server_errors == 1
    assert dict(report.errors) == {"broken: HTTP 500 internal_error": 1}


def test_that_the_simulate_command_refuses_outside_demo_mode_with_a_clear_message(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    env |= {
        "DESKPILOT_DEMO_MODE": "false",
        "DESKPILOT_SECRET_KEY": "a-real-secret-for-this-test-only",
        "DESKPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "simulate", "--conversations", "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 2, out.stderr
    assert "only demo mode allows" in " ".join(out.stderr.split())


def test_that_after_a_simulated_run_the_dashboard_agrees_with_a_recount(run: Run) -> None:
    """The issue's check: the figures shown after `deskpilot simulate` match a recount
    from the raw tables (conversations, turns, handoffs, reviews), slice by slice."""
    from datetime import UTC, datetime, timedelta

    from deskpilot.analytics import Filters, compute_dashboard
    from tests.analytics.recount import mean, pct, recount

    start, end = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)
    d = compute_dashboard(run.db, Filters(start=start, end=end), run.settings)
    r = recount(run.db, start, end)
    assert (d.conversations, d.ended) == (r.conversations, r.ended) == (CONVERSATIONS, r.ended)
    assert d.automation.count == r.handled["assistant"] and d.unattended == r.handled["unattended"]
    assert d.handoff.count == r.handed_off and d.handoff_reasons == dict(r.reasons)
    for name in ("assistant", "human"):
        side = getattr(d, name)
        assert side.conversations == r.handled[name]
        assert side.csat.n == len(r.csat[name])
        assert side.csat.mean == pytest.approx(mean(r.csat[name]), abs=1e-3)
        assert side.repeat_contacts.count == r.repeats[name]
        got, want = side.resolution_seconds, r.resolution[name]
        assert got.median == pytest.approx(pct(want, 0.5), abs=1e-2)
        assert got.p90 == pytest.approx(pct(want, 0.9), abs=1e-2)
        assert side.quality.severity == {
            k: r.severities[name].get(k, 0) for k in ("none", "minor", "major", "critical")
        }
    assert d.human.first_response_seconds.median == pytest.approx(
        pct(r.first_response["human"], 0.5), abs=1e-2
    )
    assert d.human.handling_seconds.mean == pytest.approx(
        sum(r.handling) / len(r.handling) if r.handling else None, abs=1e-2
    )
    assert d.human.conversations > 0 and d.assistant.csat.n > 0  # the run exercised both
    by_language = {s.key: s for s in d.by_language}
    for language, counts in r.by_language.items():
        assert by_language[language].conversations == counts["all"]
        assert by_language[language].automation.count == counts["assistant"]
