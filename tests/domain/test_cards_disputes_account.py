"""Card freeze and loss, disputes, contact details, documents, closing, tickets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.domain.enums import CustomerStatus
from deskpilot.errors import InvalidInput, PolicyRefused
from tests.factories import make_customer, snapshot


def _cards(service: AccountService, cid: int) -> list[dict[str, Any]]:
    return service.run("get_card_status", Actor.customer(cid), {}).model_dump()["cards"]  # type: ignore[no-any-return]


def test_that_a_card_is_frozen_and_unfrozen(service: AccountService, db: Database) -> None:
    c = make_customer(db, "paid_off", card="active", seed=1)
    card = next(x for x in _cards(service, c.customer_id) if x["kind"] == "physical")
    actor = Actor.customer(c.customer_id)
    service.run("freeze_card", actor, {"card_id": card["id"]})
    assert {x["id"]: x["status"] for x in _cards(service, c.customer_id)}[card["id"]] == "frozen"
    with pytest.raises(PolicyRefused):
        service.run("freeze_card", actor, {"card_id": card["id"]})
    service.run("unfreeze_card", actor, {"card_id": card["id"]})
    assert {x["id"]: x["status"] for x in _cards(service, c.customer_id)}[card["id"]] == "active"


def test_that_a_stolen_card_is_blocked_and_replaced(service: AccountService, db: Database) -> None:
    c = make_customer(db, "paid_off", card="frozen", seed=1)
    card = next(x for x in _cards(service, c.customer_id) if x["kind"] == "physical")
    out = service.run(
        "report_card_lost_stolen",
        Actor.assistant(c.customer_id),
        {"card_id": card["id"], "reason": "stolen"},
    ).model_dump()
    assert out["blocked"]["status"] == "blocked" and out["blocked"]["block_reason"] == "stolen"
    assert out["replacement"]["replaces_card_id"] == card["id"]
    assert out["replacement"]["status"] == "ordered"
    assert out["replacement"]["last4"] != card["last4"]
    with pytest.raises(PolicyRefused) as err:
        service.run("unfreeze_card", Actor.customer(c.customer_id), {"card_id": card["id"]})
    assert err.value.rule == "card_state"


def test_that_a_dispute_pauses_payments_and_only_one_can_be_open(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.assistant(c.customer_id)
    out = service.run(
        "open_dispute",
        actor,
        {"order_reference": c.orders[0], "reason": "damaged", "description": "arrived broken"},
    ).model_dump()
    assert out["dispute"]["status"] == "awaiting_merchant"
    assert out["paused_installments"] > 0
    plan = service.run("get_payment_plan", actor, {"order_reference": c.orders[0]}).model_dump()
    assert plan["status"] == "paused"
    with pytest.raises(PolicyRefused, match="already has an open dispute"):
        service.run("open_dispute", actor, {"order_reference": c.orders[0], "reason": "damaged"})


def test_that_a_dispute_after_120_days_is_refused(service: AccountService, db: Database) -> None:
    c = make_customer(db, "paid_off", seed=5)
    with db.transaction() as s:
        from datetime import UTC, datetime

        s.execute(
            update(m.Order)
            .where(m.Order.customer_id == c.customer_id)
            .values(purchased_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "open_dispute",
            Actor.customer(c.customer_id),
            {"order_reference": c.orders[0], "reason": "unauthorised"},
        )
    assert err.value.rule == "dispute_window"


def test_that_an_unknown_dispute_reason_is_invalid_input(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    with pytest.raises(InvalidInput):
        service.run(
            "open_dispute",
            Actor.customer(c.customer_id),
            {"order_reference": c.orders[0], "reason": "changed my mind"},
        )


def test_that_a_verified_customer_updates_email_and_phone(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "paid_off", country="DE")
    out = service.run(
        "update_contact_details",
        Actor.customer(c.customer_id),
        {"email": "Neu.Adresse@Example.org", "phone": "0151 23456789"},
    ).model_dump()
    assert out["email"] == "Neu.Adresse@example.org"
    assert out["phone"] == "+4915123456789"
    assert set(out["changed"]) == {"email", "phone"}


def test_that_contact_details_are_validated(service: AccountService, db: Database) -> None:
    c = make_customer(db, "paid_off", country="DE")
    actor = Actor.customer(c.customer_id)
    before = snapshot(db)
    with pytest.raises(InvalidInput):
        service.run("update_contact_details", actor, {"email": "not-an-email"})
    with pytest.raises(InvalidInput):
        service.run("update_contact_details", actor, {})
    with pytest.raises(PolicyRefused) as err:
        service.run("update_contact_details", actor, {"phone": "+44 7911 123456"})
    assert err.value.rule == "contact_details"
    with pytest.raises(InvalidInput):
        service.run("update_contact_details", actor, {"city": "Berlin\x00"})
    assert snapshot(db) == before


def test_that_an_unverified_customer_cannot_change_contact_details(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "paid_off", verified=False)
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "update_contact_details", Actor.customer(c.customer_id), {"email": "new@example.org"}
        )
    assert err.value.rule == "verified_identity"


def test_that_receipts_and_statements_are_produced(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    receipt = service.run(
        "request_document", actor, {"kind": "receipt", "order_reference": c.orders[0]}
    ).model_dump()
    assert c.orders[0] in receipt["content"] and "Total: GBP" in receipt["content"]
    statement = service.run(
        "request_document", actor, {"kind": "statement", "month": "2026-06"}
    ).model_dump()
    assert "payment" in statement["content"] and "Balance today" in statement["content"]
    with pytest.raises(InvalidInput):
        service.run("request_document", actor, {"kind": "statement", "month": "2026-13"})


def test_that_an_account_closes_only_with_zero_balance(
    service: AccountService, db: Database
) -> None:
    owing = make_customer(db, "delivered_recent")
    with pytest.raises(PolicyRefused) as err:
        service.run("close_account", Actor.customer(owing.customer_id), {"confirm": True})
    assert err.value.rule == "close_zero_balance"

    settled = make_customer(db, "paid_off", card="active", seed=2)
    out = service.run("close_account", Actor.customer(settled.customer_id), {"confirm": True})
    assert out.model_dump()["status"] == CustomerStatus.CLOSED
    assert {x["status"] for x in _cards(service, settled.customer_id)} == {"blocked"}
    with pytest.raises(PolicyRefused) as closed:
        service.run("freeze_card", Actor.customer(settled.customer_id), {})
    assert closed.value.rule == "account_open"
    # a closed account can still be looked at and still reach a human
    service.run("get_customer_overview", Actor.customer(settled.customer_id), {})
    ticket = service.run(
        "create_ticket",
        Actor.customer(settled.customer_id),
        {"subject": "Question about my closed account"},
    ).model_dump()
    assert ticket["status"] == "open"
