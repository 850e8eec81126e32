"""A customer can never see or touch another customer's data; the audit log is append-only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import REGISTRY, AccountService, Actor
from deskpilot.errors import NotFound
from tests.factories import make_customer, snapshot


def _foreign_payloads(svc: AccountService, victim: int, ref: str) -> dict[str, dict[str, Any]]:
    inst = svc.run("list_upcoming_installments", Actor.customer(victim), {}).model_dump()[
        "installments"
    ][0]["id"]
    card = svc.run("get_card_status", Actor.customer(victim), {}).model_dump()["cards"][0]["id"]
    method = svc.run("list_payment_methods", Actor.customer(victim), {}).model_dump()[
        "payment_methods"
    ][0]["id"]
    fee = svc.run("get_fee_history", Actor.customer(victim), {}).model_dump()["fees"][0]["id"]
    key = "steal-00001"
    return {
        "get_order": {"order_reference": ref},
        "get_payment_plan": {"order_reference": ref},
        "report_return": {"order_reference": ref},
        "cancel_order": {"order_reference": ref, "idempotency_key": key},
        "extend_due_date": {"installment_id": inst, "days": 10},
        "pay_installment": {"installment_id": inst, "idempotency_key": key},
        "pay_off_plan": {"order_reference": ref, "idempotency_key": key},
        "change_autopay_method": {"payment_method_id": method},
        "waive_late_fee": {"fee_id": fee, "idempotency_key": key},
        "open_dispute": {"order_reference": ref, "reason": "unauthorised"},
        "freeze_card": {"card_id": card},
        "report_card_lost_stolen": {"card_id": card, "reason": "lost"},
        "request_document": {"kind": "receipt", "order_reference": ref},
    }


def test_that_no_action_reaches_another_customers_data(
    service: AccountService, db: Database
) -> None:
    victim = make_customer(db, "overdue", card="active", seed=4)
    attacker = make_customer(db, "paid_off", card="active", seed=9)
    payloads = _foreign_payloads(service, victim.customer_id, victim.orders[0])
    before = snapshot(db)
    for name, payload in payloads.items():
        for actor in (Actor.customer(attacker.customer_id), Actor.assistant(attacker.customer_id)):
            with pytest.raises(NotFound) as err:
                service.run(name, actor, payload)
            assert err.value.rule == "own_data_only", name
    assert snapshot(db) == before


def test_that_a_foreign_order_looks_exactly_like_a_missing_one(
    service: AccountService, db: Database
) -> None:
    victim = make_customer(db, "delivered_recent", seed=4)
    attacker = make_customer(db, "paid_off", seed=9)
    actor = Actor.customer(attacker.customer_id)
    with pytest.raises(NotFound) as foreign:
        service.run("get_order", actor, {"order_reference": victim.orders[0]})
    with pytest.raises(NotFound) as missing:
        service.run("get_order", actor, {"order_reference": "DP-999999"})
    assert str(foreign.value).replace(victim.orders[0], "X") == str(missing.value).replace(
        "DP-999999", "X"
    )


def test_that_lookups_list_only_the_customers_own_rows(
    service: AccountService, db: Database
) -> None:
    a = make_customer(db, "refund_pending", "disputed", "return_registered", seed=4)
    b = make_customer(db, "refund_pending", "disputed", "return_registered", seed=9)
    for name in ("list_orders", "list_refunds", "list_disputes", "list_returns"):
        out = service.run(name, Actor.customer(a.customer_id), {}).model_dump()
        refs = {
            row.get("order_reference", row.get("reference"))
            for rows in out.values()
            for row in rows
        }
        assert refs and refs <= set(a.orders), name
        assert not refs & set(b.orders)


def test_that_every_action_and_refusal_is_audited(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    card = service.run("get_card_status", Actor.customer(c.customer_id), {}).model_dump()["cards"][
        0
    ]["id"]
    service.run("freeze_card", Actor.customer(c.customer_id), {"card_id": card})
    with pytest.raises(NotFound):
        service.run("get_order", Actor.assistant(c.customer_id), {"order_reference": "DP-1"})
    with db.session() as s:
        rows = s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id)).all()
    assert [(r.action, r.outcome, r.rule, r.actor_kind) for r in rows] == [
        ("get_card_status", "ok", "lookup", "customer"),
        ("freeze_card", "ok", "card_state", "customer"),
        ("get_order", "refused", "own_data_only", "assistant"),
    ]
    assert rows[1].result is not None and rows[1].result["card"]["status"] == "frozen"
    assert rows[1].at.tzinfo is not None


def test_that_the_audit_log_cannot_be_edited_or_deleted(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    service.run("get_balance", Actor.customer(c.customer_id), {})
    for stmt in ("UPDATE audit_log SET outcome = 'refused'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(stmt))
    with db.session() as s:
        assert s.scalar(select(m.AuditEntry.outcome)) == "ok"


def test_that_every_action_has_typed_schemas_and_a_written_rule() -> None:
    from deskpilot.domain.policies import RULES

    assert len(REGISTRY) >= 25
    for spec in REGISTRY.values():
        described = spec.describe()
        assert described["description"], spec.name
        assert described["input_schema"]["type"] == "object"
        assert described["output_schema"]["type"] == "object"
        assert spec.rule in RULES
