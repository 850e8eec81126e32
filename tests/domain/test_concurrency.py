"""Simultaneous identical refunds or payments move money exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.errors import DeskPilotError
from tests.domain.test_money_properties import assert_money_is_conserved
from tests.factories import make_customer


def _race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run ``fn(i)`` in ``n`` threads released at the same instant; collect results."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except DeskPilotError as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _count(db: Database, model: Any, cid: int) -> int:
    with db.session() as s:
        return int(
            s.scalar(select(func.count()).select_from(model).where(model.customer_id == cid)) or 0
        )


def test_that_simultaneous_identical_payments_move_money_once(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    inst = service.run("list_upcoming_installments", actor, {}).model_dump()["installments"][0]
    payments_before = _count(db, m.Payment, c.customer_id)
    req = {"installment_id": inst["id"], "idempotency_key": "same-key-001"}

    results = _race(6, lambda _: service.run("pay_installment", actor, req).model_dump())

    assert all(isinstance(r, dict) for r in results), results
    assert len({r["payment_id"] for r in results}) == 1
    assert _count(db, m.Payment, c.customer_id) == payments_before + 1
    assert_money_is_conserved(db, c.customer_id)


def test_that_simultaneous_identical_refunds_move_money_once(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    agent = Actor.agent("a-9", c.customer_id)
    req = {
        "order_reference": c.orders[0],
        "amount_minor": 500,
        "currency": "GBP",
        "reason": "goodwill",
        "idempotency_key": "refund-race-1",
    }

    results = _race(6, lambda _: service.run("issue_refund", agent, req).model_dump())

    assert all(isinstance(r, dict) for r in results), results
    assert len({r["refund"]["id"] for r in results}) == 1
    assert _count(db, m.Refund, c.customer_id) == 1
    assert_money_is_conserved(db, c.customer_id)


def test_that_two_different_payments_of_one_installment_charge_once(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    inst = service.run("list_upcoming_installments", actor, {}).model_dump()["installments"][0]
    payments_before = _count(db, m.Payment, c.customer_id)

    results = _race(
        4,
        lambda i: service.run(
            "pay_installment",
            actor,
            {"installment_id": inst["id"], "idempotency_key": f"k-{i:08d}"},
        ),
    )

    ok = [r for r in results if not isinstance(r, DeskPilotError)]
    refused = [r for r in results if isinstance(r, DeskPilotError)]
    assert len(ok) == 1 and len(refused) == 3
    assert {r.rule for r in refused} == {"payment_outstanding"}
    assert _count(db, m.Payment, c.customer_id) == payments_before + 1
    assert_money_is_conserved(db, c.customer_id)
