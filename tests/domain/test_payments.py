"""Due-date extensions, paying now, paying off, autopay method, late-fee waivers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.errors import Conflict, InvalidInput, NotFound, PolicyRefused
from tests.factories import make_customer, money_invariant, snapshot


def _open_installments(service: AccountService, cid: int) -> list[dict[str, Any]]:
    out = service.run("list_upcoming_installments", Actor.customer(cid), {}).model_dump()
    return out["installments"]  # type: ignore[no-any-return]


def test_that_a_due_date_is_extended_once_by_at_most_30_days(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    inst = _open_installments(service, c.customer_id)[0]
    actor = Actor.assistant(c.customer_id)

    with pytest.raises(PolicyRefused) as too_long:
        service.run("extend_due_date", actor, {"installment_id": inst["id"], "days": 31})
    assert too_long.value.rule == "extension_limits"

    out = service.run("extend_due_date", actor, {"installment_id": inst["id"], "days": 14})
    new_due = out.model_dump()["installment"]["due_date"]
    assert new_due == inst["due_date"] + timedelta(days=14)

    with pytest.raises(PolicyRefused, match="already been extended"):
        service.run("extend_due_date", actor, {"installment_id": inst["id"], "days": 1})


def test_that_extending_an_overdue_installment_makes_it_scheduled_again(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "overdue")
    overdue = [i for i in _open_installments(service, c.customer_id) if i["status"] == "overdue"]
    target = max(overdue, key=lambda i: i["due_date"])
    days = 30
    out = service.run(
        "extend_due_date",
        Actor.customer(c.customer_id),
        {"installment_id": target["id"], "days": days},
    ).model_dump()
    expected = (
        "scheduled" if target["due_date"] + timedelta(days=days) >= date(2026, 6, 15) else "overdue"
    )
    assert out["installment"]["status"] == expected


def test_that_paying_an_installment_moves_money_once_per_idempotency_key(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    inst = _open_installments(service, c.customer_id)[0]
    balance = service.run("get_balance", actor, {}).model_dump()["balance"]["minor"]
    req = {"installment_id": inst["id"], "idempotency_key": "pay-inst-0001"}

    first = service.run("pay_installment", actor, req).model_dump()
    again = service.run("pay_installment", actor, req).model_dump()

    assert first == again
    assert first["amount"]["minor"] == inst["outstanding"]["minor"]
    after = service.run("get_balance", actor, {}).model_dump()["balance"]["minor"]
    assert balance - after == inst["outstanding"]["minor"]
    with db.session() as s:
        assert (
            len(
                s.scalars(
                    select(m.Payment).where(
                        m.Payment.customer_id == c.customer_id, m.Payment.id == first["payment_id"]
                    )
                ).all()
            )
            == 1
        )
    ledger, owed = money_invariant(db, c.customer_id)
    assert ledger == owed


def test_that_a_reused_key_with_a_different_request_is_refused(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    a, b = _open_installments(service, c.customer_id)[:2]
    service.run(
        "pay_installment", actor, {"installment_id": a["id"], "idempotency_key": "k-000001"}
    )
    before = snapshot(db)
    with pytest.raises(Conflict) as err:
        service.run(
            "pay_installment", actor, {"installment_id": b["id"], "idempotency_key": "k-000001"}
        )
    assert err.value.rule == "idempotency"
    assert snapshot(db) == before


def test_that_a_paid_installment_cannot_be_paid_again(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    inst = _open_installments(service, c.customer_id)[0]
    service.run(
        "pay_installment", actor, {"installment_id": inst["id"], "idempotency_key": "k-1-aaaa"}
    )
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "pay_installment", actor, {"installment_id": inst["id"], "idempotency_key": "k-2-aaaa"}
        )
    assert err.value.rule == "payment_outstanding"


def test_that_paying_off_a_plan_settles_installments_and_late_fees(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "overdue")
    actor = Actor.customer(c.customer_id)
    fees = service.run("get_fee_history", actor, {}).model_dump()["fees"]
    assert fees, "an overdue archetype carries a late fee"
    out = service.run(
        "pay_off_plan", actor, {"order_reference": c.orders[0], "idempotency_key": "payoff-0001"}
    ).model_dump()
    assert out["fees_paid"] == len(fees)
    plan = service.run("get_payment_plan", actor, {"order_reference": c.orders[0]}).model_dump()
    assert plan["status"] == "completed"
    assert service.run("get_balance", actor, {}).model_dump()["balance"]["minor"] == 0


def test_that_an_expired_card_cannot_pay(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent")
    with db.transaction() as s:
        s.execute(
            update(m.PaymentMethod)
            .where(m.PaymentMethod.customer_id == c.customer_id)
            .values(expires_on=date(2026, 1, 1))
        )
    inst = _open_installments(service, c.customer_id)[0]
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "pay_installment",
            Actor.customer(c.customer_id),
            {"installment_id": inst["id"], "idempotency_key": "pay-expired"},
        )
    assert err.value.rule == "payment_method_usable"


def _methods(service: AccountService, cid: int) -> list[dict[str, Any]]:
    return service.run("list_payment_methods", Actor.customer(cid), {}).model_dump()[
        "payment_methods"
    ]  # type: ignore[no-any-return]


def test_that_autopay_moves_to_another_saved_method(service: AccountService, db: Database) -> None:
    c = make_customer(db, "delivered_recent", seed=3)
    methods = _methods(service, c.customer_id)
    with db.transaction() as s:  # make sure the bank account is usable
        s.execute(
            update(m.PaymentMethod)
            .where(m.PaymentMethod.customer_id == c.customer_id)
            .values(active=True)
        )
    bank = next(p for p in methods if p["kind"] == "bank_account")
    service.run(
        "change_autopay_method", Actor.customer(c.customer_id), {"payment_method_id": bank["id"]}
    )
    after = {p["id"]: p["is_autopay"] for p in _methods(service, c.customer_id)}
    assert after == {p["id"]: p["id"] == bank["id"] for p in methods}


def test_that_an_unverified_customer_cannot_change_autopay(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent", verified=False)
    bank = next(p for p in _methods(service, c.customer_id) if p["kind"] == "bank_account")
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "change_autopay_method",
            Actor.customer(c.customer_id),
            {"payment_method_id": bank["id"]},
        )
    assert err.value.rule == "verified_identity"


def test_that_only_one_late_fee_is_waived_per_year(service: AccountService, db: Database) -> None:
    c = make_customer(db, "overdue", "overdue", seed=11)
    actor = Actor.assistant(c.customer_id)
    fees = service.run("get_fee_history", actor, {}).model_dump()["fees"]
    assert len(fees) >= 2
    balance = service.run("get_balance", actor, {}).model_dump()["balance"]["minor"]
    out = service.run(
        "waive_late_fee", actor, {"fee_id": fees[0]["id"], "idempotency_key": "waive-0001"}
    ).model_dump()
    assert out["fee"]["status"] == "waived"
    after = service.run("get_balance", actor, {}).model_dump()["balance"]["minor"]
    assert balance - after == fees[0]["amount"]["minor"]
    with pytest.raises(PolicyRefused) as err:
        service.run(
            "waive_late_fee", actor, {"fee_id": fees[1]["id"], "idempotency_key": "waive-0002"}
        )
    assert err.value.rule == "fee_waiver_limit"


def test_that_bad_payment_input_is_a_typed_error_that_changes_nothing(
    service: AccountService, db: Database
) -> None:
    c = make_customer(db, "delivered_recent")
    actor = Actor.customer(c.customer_id)
    before = snapshot(db)
    bad: list[tuple[str, dict[str, Any], type[Exception]]] = [
        ("pay_installment", {"installment_id": -5, "idempotency_key": "x" * 10}, InvalidInput),
        ("pay_installment", {"installment_id": 999999, "idempotency_key": "x" * 10}, NotFound),
        ("pay_installment", {"installment_id": 1}, InvalidInput),
        ("pay_installment", {"installment_id": "one", "idempotency_key": "x" * 10}, InvalidInput),
        ("extend_due_date", {"installment_id": 1, "days": -3}, InvalidInput),
        ("extend_due_date", {"installment_id": 1, "days": 5, "customer_id": 2}, InvalidInput),
        ("waive_late_fee", {"fee_id": 10**9, "idempotency_key": "y" * 10}, NotFound),
        (
            "pay_off_plan",
            {"order_reference": "A" * 100_000, "idempotency_key": "z" * 10},
            InvalidInput,
        ),
        (
            "pay_off_plan",
            {"order_reference": "DP-1", "idempotency_key": "bad key with spaces"},
            InvalidInput,
        ),
        ("no_such_action", {}, InvalidInput),
    ]
    for name, payload, error in bad:
        with pytest.raises(error):
            service.run(name, actor, payload)
    assert snapshot(db) == before
