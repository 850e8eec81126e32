"""Returns pause payments, cancellation before shipping, refunds by staff only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.errors import PermissionDenied, PolicyRefused
from tests.factories import make_customer, money_invariant, snapshot


def _plan(service: AccountService, cid: int, ref: str) -> list[dict[str, object]]:
    out = service.run("get_payment_plan", Actor.customer(cid), {"order_reference": ref})
    return out.model_dump()["installments"]  # type: ignore[no-any-return]


def test_that_a_return_pauses_upcoming_installments(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    before = _plan(service, c.customer_id, c.orders[0])
    unpaid_before = [i["id"] for i in before if i["status"] == "scheduled"]
    assert unpaid_before, "the factory order should still have installments to pay"

    out = service.run(
        "report_return",
        Actor.assistant(c.customer_id),
        {"order_reference": c.orders[0], "reason": "too small"},
    )

    after = {i["id"]: i for i in _plan(service, c.customer_id, c.orders[0])}
    assert [i.id for i in out.paused_installments] == unpaid_before  # type: ignore[attr-defined]
    assert all(after[i]["status"] == "paused" for i in unpaid_before)
    assert all(i["status"] == "paid" for i in after.values() if i["id"] not in unpaid_before)
    returns = service.run("list_returns", Actor.customer(c.customer_id), {}).model_dump()
    assert returns["returns"][0]["status"] == "registered"
    with db.session() as s:
        entry = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "report_return")).one()
    assert entry.rule == "return_pauses_payments" and entry.outcome == "ok"
    assert entry.actor_kind == "assistant"


def test_that_an_undelivered_order_cannot_be_returned(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "in_transit")
    before = snapshot(db)
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "report_return", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
        )
    assert err.value.rule == "return_window"
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "audit"} == before


def test_that_returning_twice_is_refused(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    service.run("report_return", Actor.customer(c.customer_id), {"order_reference": c.orders[0]})
    with pytest.raises(PolicyRefused, match="already been returned"):
        service.run(
            "report_return", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
        )


def test_that_an_old_delivery_is_outside_the_return_window(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "paid_off")  # delivered 60+ days ago
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "report_return", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
        )
    assert err.value.rule == "return_window"


def test_that_cancelling_an_unshipped_order_cancels_the_plan_and_pays_back(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "processing")
    plan = _plan(service, c.customer_id, c.orders[0])
    paid = sum(i["amount"]["minor"] for i in plan if i["status"] == "paid")  # type: ignore[index]
    assert paid > 0

    out = service.run(
        "cancel_order",
        Actor.assistant(c.customer_id),
        {"order_reference": c.orders[0], "idempotency_key": "cancel-0001"},
    ).model_dump()

    assert out["refund"]["paid_back"]["minor"] == paid
    assert out["refund"]["status"] == "pending"
    order = service.run(
        "get_order", Actor.customer(c.customer_id), {"order_reference": c.orders[0]}
    ).model_dump()
    assert order["status"] == "cancelled"
    statuses = {i["status"] for i in _plan(service, c.customer_id, c.orders[0])}
    assert statuses == {"paid", "cancelled"}
    balance = service.run("get_balance", Actor.customer(c.customer_id), {}).model_dump()
    assert balance["balance"]["minor"] == 0
    assert money_invariant(db, c.customer_id)[0] == money_invariant(db, c.customer_id)[1]


def test_that_a_shipped_order_cannot_be_cancelled(service: AccountService, db: Database) -> None:
    c = make_customer(db, "in_transit")
    before = snapshot(db)
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "cancel_order",
            Actor.customer(c.customer_id),
            {"order_reference": c.orders[0], "idempotency_key": "cancel-0002"},
        )
    assert err.value.rule == "cancel_before_shipping"
    assert snapshot(db) == before


def test_that_the_assistant_cannot_issue_a_refund(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    with pytest.raises(PermissionDenied) as err:
        service.run(
            "issue_refund",
            Actor.assistant(c.customer_id),
            {
                "order_reference": c.orders[0],
                "amount_minor": 100,
                "currency": "GBP",
                "reason": "goodwill",
                "idempotency_key": "refund-0001",
            },
        )
    assert err.value.rule == "actor_role"


def test_that_an_agent_refund_first_reduces_what_is_owed(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    agent = Actor.agent("a-17", c.customer_id)
    owed_before = service.run("get_balance", agent, {}).model_dump()["balance"]["minor"]
    out = service.run(
        "issue_refund",
        agent,
        {
            "order_reference": c.orders[0],
            "amount_minor": 1000,
            "currency": "GBP",
            "reason": "scratched",
            "idempotency_key": "refund-0002",
        },
    ).model_dump()
    assert out["refund"]["credited"]["minor"] == 1000
    assert out["refund"]["paid_back"]["minor"] == 0
    owed_after = service.run("get_balance", agent, {}).model_dump()["balance"]["minor"]
    assert owed_before - owed_after == 1000
    with db.session() as s:
        entry = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "issue_refund")).one()
    assert entry.actor_id == "agent:a-17"


def test_that_a_refund_above_the_order_total_is_refused(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    agent = Actor.agent("a-1", c.customer_id)
    total = service.run("get_order", agent, {"order_reference": c.orders[0]}).model_dump()["total"][
        "minor"
    ]
    before = snapshot(db)
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "issue_refund",
            agent,
            {
                "order_reference": c.orders[0],
                "amount_minor": total + 1,
                "currency": "GBP",
                "reason": "x",
                "idempotency_key": "refund-0003",
            },
        )
    assert err.value.rule == "refund_limit"
    assert snapshot(db) == before


def test_that_a_refund_in_the_wrong_currency_is_refused(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "issue_refund",
            Actor.agent("a-1", c.customer_id),
            {
                "order_reference": c.orders[0],
                "amount_minor": 100,
                "currency": "EUR",
                "reason": "x",
                "idempotency_key": "refund-0004",
            },
        )
    assert err.value.rule == "currency_match"
