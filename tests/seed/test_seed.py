"""The demo data set: deterministic, every market and interesting state, money balanced."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.domain.markets import MARKETS
from deskpilot.seed import seed
from deskpilot.seed.generator import TABLES
from tests.conftest import TODAY
from tests.domain.test_money_properties import assert_money_is_conserved


def _fingerprint(db: Database) -> str:
    h = hashlib.sha256()
    with db.session() as s:
        for table in TABLES:
            t = m.Base.metadata.tables[table]
            for row in s.execute(select(t).order_by(t.c.id)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_that_the_same_seed_gives_the_same_data(db: Database, sqlite_db: Database) -> None:
    seed(db, 60, seed=42, today=TODAY)
    seed(sqlite_db, 60, seed=42, today=TODAY)
    assert _fingerprint(db) == _fingerprint(sqlite_db)


def test_that_a_different_seed_gives_different_data(sqlite_db: Database, tmp_path: object) -> None:
    seed(sqlite_db, 30, seed=1, today=TODAY)
    first = _fingerprint(sqlite_db)
    other = Database(f"sqlite:///{tmp_path}/other.db")
    from deskpilot.db import upgrade

    upgrade(other.engine)
    seed(other, 30, seed=2, today=TODAY)
    assert _fingerprint(other) != first


def test_that_a_small_data_set_has_every_market_and_interesting_state(sqlite_db: Database) -> None:
    report = seed(sqlite_db, 300, seed=3, today=TODAY)
    assert report.customers == 300
    with sqlite_db.session() as s:
        markets = set(s.scalars(select(m.Customer.country).distinct()))
        currencies = set(s.scalars(select(m.Order.currency).distinct()))

        def has(model: object, *where: object) -> bool:
            return bool(s.scalar(select(func.count()).select_from(model).where(*where)))

        states = {
            "overdue installment": has(m.Installment, m.Installment.status == "overdue"),
            "paused plan": has(m.PaymentPlan, m.PaymentPlan.status == "paused"),
            "pending refund": has(m.Refund, m.Refund.status == "pending"),
            "open dispute": has(m.Dispute, m.Dispute.status == "awaiting_merchant"),
            "frozen card": has(m.Card, m.Card.status == "frozen"),
            "blocked card": has(m.Card, m.Card.status == "blocked"),
            "unverified customer": has(m.Customer, m.Customer.identity_verified.is_(False)),
            "closed account": has(m.Customer, m.Customer.status == "closed"),
            "unshipped order": has(m.Order, m.Order.shipping_status == "processing"),
            "financing plan": has(m.PaymentPlan, m.PaymentPlan.kind == "financing"),
            "late fee": has(m.Fee, m.Fee.status == "charged"),
        }
    assert len(markets) >= 20 and markets <= set(MARKETS)
    assert len(currencies) >= 10
    assert [k for k, v in states.items() if not v] == []


def test_that_seeded_money_balances_for_every_customer(db: Database) -> None:
    seed(db, 40, seed=5, today=TODAY)
    with db.session() as s:
        ids = list(s.scalars(select(m.Customer.id)))
    for cid in ids:
        assert_money_is_conserved(db, cid)


def test_that_seeding_twice_appends_new_customers(sqlite_db: Database) -> None:
    seed(sqlite_db, 10, today=TODAY)
    report = seed(sqlite_db, 5, today=TODAY)
    assert report.first_customer_id == 11
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(m.Customer.id))) == 15
