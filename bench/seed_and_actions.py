"""Benchmark: seeding throughput and per-action latency on SQLite and PostgreSQL.

    .venv/bin/python bench/seed_and_actions.py --customers 100000 [--json] [--skip-pg]

Seeds a fresh database of each kind, then runs every measured action against random
seeded customers and prints p50/p99 latency per action (ms). Figures are measured, not
asserted; see the README for the last run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from deskpilot.clock import FixedClock
from deskpilot.db import Database, upgrade
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.errors import DeskPilotError
from deskpilot.seed import seed

TODAY = date(2026, 6, 15)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
console = Console(stderr=True)
Payload = Callable[[AccountService, Actor, random.Random], dict[str, Any] | None]


def _first_open_installment(svc: AccountService, actor: Actor, _: random.Random) -> Any:
    insts = svc.run("list_upcoming_installments", actor, {"limit": 5}).model_dump()["installments"]
    return insts[0]["id"] if insts else None


def _pay(svc: AccountService, actor: Actor, rng: random.Random) -> dict[str, Any] | None:
    inst = _first_open_installment(svc, actor, rng)
    if inst is None:
        return None
    return {"installment_id": inst, "idempotency_key": f"bench-{uuid.uuid4().hex}"}


def _extend(svc: AccountService, actor: Actor, rng: random.Random) -> dict[str, Any] | None:
    inst = _first_open_installment(svc, actor, rng)
    return None if inst is None else {"installment_id": inst, "days": 7}


def _order(svc: AccountService, actor: Actor, _: random.Random) -> dict[str, Any] | None:
    orders = svc.run("list_orders", actor, {"limit": 1}).model_dump()["orders"]
    return {"order_reference": orders[0]["reference"]} if orders else None


ACTIONS: dict[str, Payload] = {
    "get_customer_overview": lambda *_: {},
    "list_orders": lambda *_: {"limit": 20},
    "get_payment_plan": _order,
    "get_balance": lambda *_: {},
    "list_refunds": lambda *_: {},
    "report_return": _order,
    "extend_due_date": _extend,
    "pay_installment": _pay,
    "open_dispute": lambda s, a, r: {**(_order(s, a, r) or {}), "reason": "damaged"},
    "create_ticket": lambda *_: {"subject": "Benchmark ticket"},
}


def _pg_database() -> tuple[str, Callable[[], None]]:
    name = f"deskpilot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def bench_seed(db: Database, customers: int, label: str) -> dict[str, Any]:
    upgrade(db.engine)
    with Progress(
        f"Seeding {label}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("seed", total=customers)
        t0 = time.perf_counter()
        report = seed(db, customers, today=TODAY, progress=lambda n: bar.update(task, completed=n))
        secs = time.perf_counter() - t0
    return {
        "customers": customers,
        "rows": report.rows,
        "seconds": round(secs, 2),
        "customers_per_s": round(customers / secs),
        "rows_per_s": round(report.rows / secs),
    }


def bench_actions(db: Database, customers: int, calls: int, label: str) -> dict[str, Any]:
    svc = AccountService(db, FixedClock(datetime(2026, 6, 15, 12, tzinfo=UTC)))
    rng = random.Random(7)
    out: dict[str, Any] = {}
    with Progress(
        f"Actions {label}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("actions", total=calls * len(ACTIONS))
        for name, make in ACTIONS.items():
            times, refused = [], 0
            for _ in range(calls):
                actor = Actor.assistant(rng.randint(9, customers))  # past the showcase ones
                payload = make(svc, actor, rng)
                bar.advance(task)
                if payload is None:
                    continue
                t0 = time.perf_counter()
                try:
                    svc.run(name, actor, payload)
                except DeskPilotError:
                    refused += 1
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            out[name] = {
                "calls": len(times),
                "refused": refused,
                "p50_ms": round(statistics.median(times), 2),
                "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=300, help="calls per action")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()

    results: dict[str, Any] = {"customers": args.customers, "machine_cores": 2}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        results["sqlite"] = {"seed": bench_seed(db, args.customers, "SQLite")}
        results["sqlite"]["actions"] = bench_actions(db, args.customers, args.calls, "SQLite")
        db.dispose()
    if not args.skip_pg:
        url, drop = _pg_database()
        try:
            db = Database(url)
            results["postgresql"] = {"seed": bench_seed(db, args.customers, "PostgreSQL")}
            results["postgresql"]["actions"] = bench_actions(
                db, args.customers, args.calls, "PostgreSQL"
            )
            db.dispose()
        finally:
            drop()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    _print(results)


def _print(results: dict[str, Any]) -> None:
    out = Console()
    for backend in ("sqlite", "postgresql"):
        if backend not in results:
            continue
        s = results[backend]["seed"]
        out.print(
            f"[bold]{backend}[/]: seeded {s['customers']:,} customers ({s['rows']:,} rows) in "
            f"{s['seconds']} s = {s['customers_per_s']:,} customers/s, {s['rows_per_s']:,} rows/s"
        )
        table = Table("action", "calls", "refused", "p50 ms", "p99 ms")
        for name, r in results[backend]["actions"].items():
            table.add_row(
                name, str(r["calls"]), str(r["refused"]), str(r["p50_ms"]), str(r["p99_ms"])
            )
        out.print(table)


if __name__ == "__main__":
    main()
