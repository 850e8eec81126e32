"""The Prometheus endpoint as an operator scrapes it: one process, and several workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from deskpilot.db import Database
from tests.api.test_api import agent_client, customer_client
from tests.factories import make_customer

MESSAGES = "/api/v1/conversations/{conversation_id}/messages"
REDIS_URL = "redis://127.0.0.1:6379/0"
MODELS = Path(__file__).resolve().parents[2] / ".deskpilot" / "models"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    res = httpx.get(f"{url}/metrics", timeout=30)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(res.text)
        for s in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def routes(samples: Samples) -> set[str]:
    return {
        dict(labels)["route"]
        for name, labels in samples
        if name == "deskpilot_http_request_seconds_count"
    }


def test_that_a_conversation_moves_the_turn_handoff_and_latency_metrics(
    live_app: Any, db: Database
) -> None:
    _, server = live_app
    c = make_customer(db, "in_transit")
    alex = agent_client(server.url, "alex", "agent-pass-1")
    alex.get("/api/v1/agent/queue")  # the agent is online
    before = scrape(server.url)
    with customer_client(server.url, c.customer_id) as client:
        start = client.post("/api/v1/conversations").json()
        conv = start["conversation_id"]
        answered = client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": "where is my parcel?"}
        ).json()
        handed = client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": "I want to talk to a person"}
        ).json()
        assert handed["handoff"] == "customer_request"
        assert alex.post(f"/api/v1/agent/conversations/{conv}/claim").status_code == 200
        sent = alex.post(f"/api/v1/agent/conversations/{conv}/messages", json={"text": "Hi!"})
        assert sent.status_code == 200
        assert client.post(f"/api/v1/conversations/{conv}/end").status_code == 200
        assert client.post(f"/api/v1/conversations/{conv}/rating", json={"score": 4}).is_success
    after = scrape(server.url)

    sent_by_assistant = sum(len(r["messages"]) for r in (start, answered, handed))
    assert moved(before, after, "deskpilot_turns_total", role="customer") == 2
    assert moved(before, after, "deskpilot_turns_total", role="assistant") == sent_by_assistant
    assert moved(before, after, "deskpilot_turns_total", role="agent") == 1
    assert moved(before, after, "deskpilot_assistant_turn_seconds_count") == 2
    assert moved(before, after, "deskpilot_assistant_turn_seconds_bucket", le="+Inf") == 2
    assert moved(before, after, "deskpilot_assistant_turn_seconds_sum") > 0
    assert moved(before, after, "deskpilot_handoffs_total", reason="customer_request") == 1
    for event in ("started", "ended", "rated"):
        assert moved(before, after, "deskpilot_conversations_total", event=event) == 1, event
    http = "deskpilot_http_request_seconds_count"
    assert moved(before, after, http, method="POST", route=MESSAGES, status="200") == 2
    assert not [r for r in routes(after) if conv in r]  # the template, never the raw path


def test_that_errors_are_counted_by_code_and_unknown_paths_share_one_label(
    live_app: Any, db: Database
) -> None:
    _, server = live_app
    c = make_customer(db, "paid_off")
    before = scrape(server.url)
    with customer_client(server.url, c.customer_id) as client:
        conv = client.post("/api/v1/conversations").json()["conversation_id"]
        for body in ({"text": 5}, {"text": "x" * 2001}):  # schema, then the service's check
            res = client.post(f"/api/v1/conversations/{conv}/messages", json=body)
            assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert httpx.post(f"{server.url}/api/v1/conversations").status_code == 403
    probe = uuid.uuid4().hex
    assert httpx.get(f"{server.url}/no/such/{probe}").status_code == 404
    after = scrape(server.url)

    assert moved(before, after, "deskpilot_errors_total", code="invalid_input") == 2
    assert moved(before, after, "deskpilot_errors_total", code="permission_denied") == 1
    assert moved(before, after, "deskpilot_turns_total", role="customer") == 0
    http = "deskpilot_http_request_seconds_count"
    assert moved(before, after, http, method="POST", route=MESSAGES, status="422") == 2
    assert moved(before, after, http, method="GET", route="unmatched", status="404") == 1
    assert not [r for r in routes(after) if probe in r]
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/metrics" not in spec["paths"]


def _redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_workers(
    tmp_path: Path, sqlite_db: Database, understanding: object
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """`deskpilot serve --workers 2` as an operator starts it; TMPDIR shows its metrics
    directory. The models are the ones the `understanding` fixture trained and cached."""
    _redis_available()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESKPILOT_", "PROMETHEUS_"))}
    env |= {
        "DESKPILOT_DATABASE_URL": sqlite_db.url,
        "DESKPILOT_REDIS_URL": REDIS_URL,
        "DESKPILOT_MODEL_DIR": str(MODELS),
        "TMPDIR": str(tmp),
    }
    cmd = [sys.executable, "-m", "deskpilot.cli", "serve", "--host", "127.0.0.1"]
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}", tmp, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _wait_for_workers(url: str, tmp: Path, proc: subprocess.Popen[bytes]) -> Path:
    """The metrics directory once both workers have written to it (each writes its
    zero-valued series when it starts)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "deskpilot serve exited"
        dirs = list(tmp.glob("deskpilot-metrics-*"))
        pids = {f.stem.rsplit("_", 1)[-1] for d in dirs for f in d.glob("*.db")}
        if len(pids) >= 2:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    return dirs[0]
            except httpx.TransportError:
                pass
        time.sleep(0.25)
    raise AssertionError("two workers did not start")


def test_that_every_worker_reports_the_whole_service_and_the_directory_is_removed(
    two_workers: tuple[str, Path, subprocess.Popen[bytes]],
) -> None:
    url, tmp, proc = two_workers
    metrics_dir = _wait_for_workers(url, tmp, proc)
    requests = 40
    with ThreadPoolExecutor(max_workers=8) as pool:  # new connections, spread over workers
        codes = list(
            pool.map(lambda _: httpx.get(f"{url}/api/v1/ui/en").status_code, range(requests))
        )
    assert codes == [200] * requests
    labels = {"method": "GET", "route": "/api/v1/ui/{language}", "status": "200"}
    for _ in range(6):  # each scrape may land on either worker: each must see every request
        assert moved({}, scrape(url), "deskpilot_http_request_seconds_count", **labels) == requests

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert not metrics_dir.exists()
