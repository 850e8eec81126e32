"""Factories: customers in a chosen state, built with the seeder's own builder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.enums import CustomerStatus, LedgerKind
from deskpilot.seed import build_customer
from deskpilot.seed.generator import TABLES
from tests.conftest import TODAY


@dataclass(frozen=True)
class Made:
    """A customer made by a factory, with their order references in archetype order."""

    customer_id: int
    orders: list[str]


def make_customer(
    db: Database,
    *orders: str,
    country: str = "GB",
    verified: bool = True,
    card: str = "active",
    status: CustomerStatus = CustomerStatus.ACTIVE,
    seed: int = 7,
    language: str | None = None,
) -> Made:
    """A customer with one order per archetype (see deskpilot.seed._builder.ARCHETYPES);
    ``language`` is the one they chat in (default: their market's)."""
    built = build_customer(
        db,
        orders,
        today=TODAY,
        country=country,
        verified=verified,
        card=card,
        status=status,
        seed=seed,
        language=language,
    )
    return Made(built.customer_id, built.orders)


def snapshot(db: Database) -> dict[str, Any]:
    """Every table's row count plus money totals: equal snapshots mean nothing changed."""
    out: dict[str, Any] = {}
    with db.session() as s:
        for table in [*TABLES, "tickets", "idempotency_keys"]:
            t = m.Base.metadata.tables[table]
            out[table] = s.scalar(select(func.count()).select_from(t))
        out["ledger_sum"] = s.scalar(select(func.coalesce(func.sum(m.LedgerEntry.amount_minor), 0)))
        out["installments"] = s.execute(
            select(
                m.Installment.id,
                m.Installment.status,
                m.Installment.due_date,
                m.Installment.paid_minor,
                m.Installment.credited_minor,
            ).order_by(m.Installment.id)
        ).all()
        out["cards"] = s.execute(select(m.Card.id, m.Card.status).order_by(m.Card.id)).all()
        out["customers"] = s.execute(
            select(
                m.Customer.id,
                m.Customer.email,
                m.Customer.phone,
                m.Customer.status,
                m.Customer.address_line,
            ).order_by(m.Customer.id)
        ).all()
        out["fees"] = s.execute(select(m.Fee.id, m.Fee.status).order_by(m.Fee.id)).all()
        out["methods"] = s.execute(
            select(m.PaymentMethod.id, m.PaymentMethod.is_autopay).order_by(m.PaymentMethod.id)
        ).all()
    return out


def money_invariant(db: Database, customer_id: int) -> tuple[int, int]:
    """(ledger balance, outstanding installments + unpaid fees): must always be equal."""
    with db.session() as s:
        ledger = (
            s.scalar(
                select(func.coalesce(func.sum(m.LedgerEntry.amount_minor), 0)).where(
                    m.LedgerEntry.customer_id == customer_id
                )
            )
            or 0
        )
        insts = s.scalars(
            select(m.Installment).where(m.Installment.customer_id == customer_id)
        ).all()
        fees = (
            s.scalar(
                select(func.coalesce(func.sum(m.Fee.amount_minor), 0)).where(
                    m.Fee.customer_id == customer_id, m.Fee.status == "charged"
                )
            )
            or 0
        )
    outstanding = sum(i.outstanding_minor for i in insts if i.status not in ("paid", "cancelled"))
    return int(ledger), int(outstanding + fees)


def ledger_totals(db: Database, customer_id: int) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(
            select(m.LedgerEntry.kind, func.sum(m.LedgerEntry.amount_minor))
            .where(m.LedgerEntry.customer_id == customer_id)
            .group_by(m.LedgerEntry.kind)
        ).all()
    totals = {k.value: 0 for k in LedgerKind}
    totals.update({k: int(v) for k, v in rows})
    return totals
