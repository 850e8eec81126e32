"""Load benchmark: many concurrent simulated customers through the HTTP API.

    .venv/bin/python bench/load.py [--customers 200] [--concurrency 50] [--workers 1]
                                   [--warmup 50] [--json] [--skip-pg]

Seeds a fresh database, starts `deskpilot serve` as a separate process on 127.0.0.1, and
drives it with concurrent customers (start a conversation, then a few messages each).
After --warmup customers (not counted: first use compiles patterns and fills caches), prints
sustained assistant turns per second and p50/p99 turn latency as the client sees
it, for SQLite and PostgreSQL. Bounded in count and time; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from deskpilot.api.auth import issue_token
from deskpilot.config import DEMO_SECRET, Settings
from deskpilot.db import Database, upgrade
from deskpilot.seed import seed

console = Console(stderr=True)
REDIS = "redis://127.0.0.1:6379/0"
SCRIPTS = [
    ["where is my order?", "1", "thanks, that's all"],
    ["when is my next payment due?", "no thanks"],
    ["where is my refund?", "no thanks, bye"],
    ["what is your return policy?", "no"],
    ["I want to return my order", "1", "no, leave it", "no thanks"],
    ["my card got declined", "no thanks"],
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(url: str, port: int, model_dir: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DESKPILOT_DATABASE_URL": url,
        "DESKPILOT_MESSAGES_PER_MINUTE": "100000",
        "DESKPILOT_MODEL_DIR": str(model_dir),
        "DESKPILOT_REDIS_URL": REDIS,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deskpilot.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start")


async def _customer(
    client: httpx.AsyncClient,
    cid: int,
    rng: random.Random,
    latencies: list[float],
    errors: list[str],
) -> None:
    token = issue_token(DEMO_SECRET, "customer", cid, datetime.now(UTC), 60)
    headers = {"Authorization": f"Bearer {token}"}
    res = await client.post("/api/v1/conversations", headers=headers)
    if res.status_code != 200:
        errors.append(res.text[:200])
        return
    conv = res.json()["conversation_id"]
    for text in rng.choice(SCRIPTS):
        t0 = time.perf_counter()
        res = await client.post(
            f"/api/v1/conversations/{conv}/messages", json={"text": text}, headers=headers
        )
        latencies.append((time.perf_counter() - t0) * 1000)
        if res.status_code != 200:
            errors.append(res.text[:200])


async def _drive(base: str, customers: int, concurrency: int, first_id: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(1)
    limits = httpx.Limits(max_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        with Progress(
            "Customers", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("load", total=customers)

            async def one(i: int) -> None:
                async with sem:
                    await _customer(client, first_id + i, rng, latencies, errors)
                    bar.advance(task)

            t0 = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(customers)))
            elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "customers": customers,
        "concurrency": concurrency,
        "turns": len(latencies),
        "seconds": round(elapsed, 2),
        "turns_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "errors": len(errors),
    }


def run(
    url: str,
    label: str,
    customers: int,
    concurrency: int,
    model_dir: Path,
    workers: int,
    warmup: int = 0,
) -> dict[str, Any]:
    db = Database(url)
    upgrade(db.engine)
    seed(db, customers + warmup, today=datetime.now(UTC).date())
    db.dispose()
    port = _free_port()
    proc = _start_server(url, port, model_dir, workers)
    try:
        console.print(f"[bold]{label}[/]: serving on 127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}"
        if warmup:  # first use compiles patterns and fills caches: not the sustained rate
            asyncio.run(_drive(base, warmup, concurrency, customers + 1))
        result = asyncio.run(_drive(base, customers, concurrency, 1))
        return {**result, "workers": workers, "warmup_customers": warmup}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--workers", type=int, default=1, help="server processes (Redis joins them)")
    ap.add_argument(
        "--warmup", type=int, default=50, help="customers served before measuring (not counted)"
    )
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Settings().model_dir  # the models' cache: trained once, shared
        results["sqlite"] = run(
            f"sqlite:///{tmp}/load.db",
            "SQLite",
            args.customers,
            args.concurrency,
            model_dir,
            args.workers,
            args.warmup,
        )
        if not args.skip_pg:
            name = f"deskpilot_load_{uuid.uuid4().hex[:8]}"
            admin = "postgresql://postgres@127.0.0.1:5432/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                results["postgresql"] = run(
                    f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                    "PostgreSQL",
                    args.customers,
                    args.concurrency,
                    model_dir,
                    args.workers,
                    args.warmup,
                )
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for backend, r in results.items():
            print(
                f"{backend}: {r['turns_per_second']} turns/s, p50 {r['p50_ms']} ms, "
                f"p99 {r['p99_ms']} ms ({r['turns']} turns, {r['errors']} errors)"
            )


if __name__ == "__main__":
    main()
