"""The command line as an operator uses it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deskpilot.domain.actions import REGISTRY


def _cli(*args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    if db is not None:
        env["DESKPILOT_DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_that_actions_json_lists_every_action_with_schemas() -> None:
    out = _cli("actions", "--json")
    assert out.returncode == 0, out.stderr
    actions = json.loads(out.stdout)
    assert {a["name"] for a in actions} == set(REGISTRY)
    pay = next(a for a in actions if a["name"] == "pay_installment")
    assert "idempotency_key" in pay["input_schema"]["required"]
    assert pay["moves_money"] is True
    assert {"name", "description", "input_schema", "output_schema"} <= set(pay)


def test_that_seed_then_call_works_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    seeded = _cli("seed", "--customers", "25", "--seed", "3", "--today", "2026-06-15", db=db)
    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded 25 customers" in seeded.stdout

    orders = _cli("call", "list_orders", "--customer", "1", db=db)
    assert orders.returncode == 0, orders.stderr
    assert json.loads(orders.stdout)["orders"]

    refused = _cli(
        "call",
        "issue_refund",
        "--customer",
        "1",
        "--args",
        '{"order_reference": "DP-100001", "amount_minor": 1, "currency": "GBP", '
        '"reason": "x", "idempotency_key": "cli-00001"}',
        db=db,
    )
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "permission_denied"

    bad = _cli("call", "get_order", "--customer", "1", "--args", "{not json", db=db)
    assert bad.returncode == 2


def test_that_start_prepares_a_demo_database(tmp_path: Path) -> None:
    db = tmp_path / "start.db"
    out = _cli("start", "--customers", "30", "--no-chat", db=db)
    assert out.returncode == 0, out.stderr
    assert "customers" in out.stdout and "30" in out.stdout
    again = _cli("start", "--no-chat", db=db)  # a second start keeps the data and does not re-seed
    assert again.returncode == 0 and "30" in again.stdout
