"""Property tests: no sequence of actions makes money appear or disappear."""

from __future__ import annotations

import contextlib
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.actions import AccountService, Actor
from deskpilot.errors import DeskPilotError
from tests.conftest import NOW
from tests.factories import ledger_totals, make_customer, money_invariant

OPS = [
    "pay_installment",
    "pay_off_plan",
    "report_return",
    "issue_refund",
    "cancel_order",
    "waive_late_fee",
    "extend_due_date",
    "open_dispute",
]
op_strategy = st.tuples(st.sampled_from(OPS), st.integers(0, 20), st.integers(1, 100))
_keys = count()


def _payload(
    svc: AccountService, actor: Actor, orders: list[str], op: str, pick: int, size: int
) -> dict[str, object]:
    ref = orders[pick % len(orders)]
    key = f"prop-{next(_keys):08d}"
    if op in ("pay_installment", "extend_due_date"):
        insts = svc.run("list_upcoming_installments", actor, {}).model_dump()["installments"]
        inst_id = insts[pick % len(insts)]["id"] if insts else 10**6
        if op == "extend_due_date":
            return {"installment_id": inst_id, "days": 1 + size % 30}
        return {"installment_id": inst_id, "idempotency_key": key}
    if op == "issue_refund":
        total = svc.run("get_order", actor, {"order_reference": ref}).model_dump()["total"]
        return {
            "order_reference": ref,
            "amount_minor": max(1, total["minor"] * size // 100),
            "currency": total["currency"],
            "reason": "property",
            "idempotency_key": key,
        }
    if op == "waive_late_fee":
        fees = svc.run("get_fee_history", actor, {}).model_dump()["fees"]
        return {"fee_id": fees[pick % len(fees)]["id"] if fees else 10**6, "idempotency_key": key}
    if op == "open_dispute":
        return {"order_reference": ref, "reason": "damaged"}
    if op in ("pay_off_plan", "cancel_order"):
        return {"order_reference": ref, "idempotency_key": key}
    return {"order_reference": ref}


def assert_money_is_conserved(db: Database, cid: int) -> None:
    ledger, owed = money_invariant(db, cid)
    assert ledger == owed, "balance must equal what is outstanding on installments and fees"
    t = ledger_totals(db, cid)
    with db.session() as s:

        def total(col: object, *where: object) -> int:
            return int(s.scalar(select(func.coalesce(func.sum(col), 0)).where(*where)) or 0)

        paid = total(m.Payment.amount_minor, m.Payment.customer_id == cid)
        allocated = total(
            m.PaymentAllocation.amount_minor,
            m.PaymentAllocation.payment_id.in_(
                select(m.Payment.id).where(m.Payment.customer_id == cid)
            ),
        )
        refunds = total(m.Refund.amount_minor, m.Refund.customer_id == cid)
        payouts = total(m.Refund.payout_minor, m.Refund.customer_id == cid)
        inst_amounts = total(m.Installment.amount_minor, m.Installment.customer_id == cid)
        fees = total(m.Fee.amount_minor, m.Fee.customer_id == cid)
        waived = total(m.Fee.amount_minor, m.Fee.customer_id == cid, m.Fee.status == "waived")
    assert t["payment"] == -paid and allocated == paid
    assert t["refund_credit"] + t["cancellation"] == -refunds
    assert t["payout"] == payouts and payouts <= paid
    assert t["purchase"] == inst_amounts
    assert t["late_fee"] == fees and t["fee_waiver"] == -waived
    assert sum(t.values()) == ledger


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op_strategy, min_size=1, max_size=12), seed=st.integers(0, 10_000))
def test_that_balances_always_equal_charges_minus_payments_minus_refunds(
    db: Database, ops: list[tuple[str, int, int]], seed: int
) -> None:
    svc = AccountService(db, FixedClock(NOW))
    c = make_customer(db, "overdue", "processing", "delivered_recent", "financing", seed=seed)
    actor = Actor.agent("prop", c.customer_id)
    assert_money_is_conserved(db, c.customer_id)
    for op, pick, size in ops:
        # refusals are fine; they must just leave money where it was
        with contextlib.suppress(DeskPilotError):
            svc.run(op, actor, _payload(svc, actor, c.orders, op, pick, size))
        assert_money_is_conserved(db, c.customer_id)
