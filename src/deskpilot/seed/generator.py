"""``deskpilot seed``: a deterministic demo data set of any size."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

from deskpilot.db import models as m
from deskpilot.db.engine import Database
from deskpilot.domain.enums import CustomerStatus
from deskpilot.domain.markets import ALSO_SPOKEN, LANGUAGES, MARKETS, market_for
from deskpilot.errors import InvalidInput
from deskpilot.seed._builder import ARCHETYPES, WEIGHTS, CustomerBuilder, IdSource, Rows, new_rows
from deskpilot.seed._names import MERCHANTS

# Insert order respects foreign keys.
TABLES = [
    "customers",
    "payment_methods",
    "cards",
    "orders",
    "order_items",
    "payment_plans",
    "installments",
    "fees",
    "payments",
    "payment_allocations",
    "returns",
    "return_items",
    "refunds",
    "disputes",
    "ledger_entries",
]

# Market mix: big markets more often, every market present in any set of 30+ customers.
MARKET_WEIGHTS = {
    "US": 14,
    "GB": 10,
    "DE": 10,
    "SE": 8,
    "NO": 4,
    "FI": 3,
    "DK": 3,
    "NL": 5,
    "FR": 6,
    "IT": 5,
    "ES": 5,
    "PL": 4,
    "AT": 3,
    "CH": 2,
    "BE": 2,
    "IE": 2,
    "PT": 2,
    "CZ": 2,
    "GR": 2,
    "RO": 2,
    "HU": 2,
    "AU": 4,
    "CA": 3,
    "NZ": 1,
    "MX": 2,
    "JP": 2,
}

# The first customers are hand-picked so that every interesting state exists even in a
# tiny data set: (market, verified, status, card state, order archetypes).
SHOWCASE: list[tuple[str, bool, CustomerStatus, str, list[str]]] = [
    (
        "GB",
        True,
        CustomerStatus.ACTIVE,
        "active",
        ["delivered_recent", "processing", "overdue", "financing", "refund_pending", "paid_off"],
    ),
    ("DE", False, CustomerStatus.ACTIVE, "frozen", ["delivered_recent", "disputed", "pay_in_30"]),
    ("SE", True, CustomerStatus.ACTIVE, "blocked", ["return_registered", "in_transit", "overdue"]),
    ("US", True, CustomerStatus.ACTIVE, "none", ["paid_off"]),
    ("FR", True, CustomerStatus.ACTIVE, "active", ["refund_pending", "delivered_recent"]),
    ("ES", True, CustomerStatus.ACTIVE, "active", ["disputed", "processing"]),
    ("PL", True, CustomerStatus.CLOSED, "none", ["paid_off"]),
    ("NL", True, CustomerStatus.ACTIVE, "frozen", ["financing", "pay_in_30"]),
]


@dataclass(frozen=True)
class SeedReport:
    customers: int
    rows: int
    first_customer_id: int


def _customer_plan(i: int, rng: random.Random) -> tuple[str, bool, CustomerStatus, str, list[str]]:
    if i < len(SHOWCASE):
        return SHOWCASE[i]
    country = rng.choices(list(MARKET_WEIGHTS), weights=list(MARKET_WEIGHTS.values()))[0]
    verified = rng.random() < 0.85
    card = rng.choices(["none", "active", "frozen", "blocked"], weights=[40, 52, 5, 3])[0]
    if rng.random() < 0.01:
        return country, verified, CustomerStatus.CLOSED, "none", ["paid_off"]
    n = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
    return country, verified, CustomerStatus.ACTIVE, card, rng.choices(ARCHETYPES, WEIGHTS, k=n)


def _start_ids(conn: Connection, ids: IdSource) -> None:
    for table in [*TABLES, "merchants"]:
        t = m.Base.metadata.tables[table]
        ids.start(table, int(conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0) + 1)


def _ensure_merchants(conn: Connection) -> list[int]:
    existing = list(conn.scalars(select(m.Merchant.id).order_by(m.Merchant.id)))
    if existing:
        return existing
    rows = [
        {
            "id": k + 1,
            "name": name,
            "category": cat,
            "country": "SE",
            "support_email": f"support@{name.lower().replace(' ', '').replace('&', '')}.example",
        }
        for k, (name, cat, _) in enumerate(MERCHANTS)
    ]
    conn.execute(insert(m.Merchant), rows)
    return list(range(1, len(rows) + 1))


def _flush(conn: Connection, rows: Rows) -> int:
    n = 0
    for table in TABLES:
        batch = rows.get(table)
        if batch:
            conn.execute(m.Base.metadata.tables[table].insert(), batch)
            n += len(batch)
    rows.clear()
    return n


def seed(
    db: Database,
    customers: int,
    *,
    seed: int = 1,
    today: date,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Create ``customers`` customers with their accounts; deterministic for a seed and day.

    Runs in batches of ``batch`` customers, one transaction each; ``progress`` is called
    with the number of customers written after each batch.
    """
    total_rows = 0
    with db.engine.begin() as conn:
        ids = IdSource()
        _start_ids(conn, ids)
        merchant_ids = _ensure_merchants(conn)
    first_id = ids.next("customers")
    ids.start("customers", first_id)
    done = 0
    while done < customers:
        rows = new_rows()
        upto = min(customers, done + batch)
        for i in range(done, upto):
            rng = random.Random(seed * 1_000_003 + i)
            country, verified, status, card, archetypes = _customer_plan(i, rng)
            b = CustomerBuilder(ids, rows, rng, today, market_for(country), merchant_ids)
            b.customer(verified=verified, status=status, language=_language(country, seed, i))
            b.card(card)
            for arch in archetypes:
                b.order(arch)
        with db.engine.begin() as conn:
            total_rows += _flush(conn, rows)
        done = upto
        if progress:
            progress(done)
    _fix_sequences(db)
    with db.engine.begin() as conn:  # fresh planner statistics after a bulk load
        conn.execute(text("ANALYZE"))
    return SeedReport(customers=customers, rows=total_rows, first_customer_id=first_id)


@dataclass(frozen=True)
class BuiltCustomer:
    """One customer made by :func:`build_customer`, with what the customer would know."""

    customer_id: int
    orders: list[str]  # references, in the order of the archetypes asked for
    cards: list[str]  # last four digits
    email: str


OTHER_LANGUAGE_SHARE = 0.12  # customers who chat in a language other than the market's


def _language(country: str, seed: int, i: int) -> str | None:
    """Some customers speak another language at home (own stream: other data unchanged)."""
    rng = random.Random(seed * 7_919 + i)
    others = ALSO_SPOKEN.get(country, ())
    if others and rng.random() < OTHER_LANGUAGE_SHARE:
        return rng.choice(others)
    return None


def build_customer(
    db: Database,
    archetypes: list[str] | tuple[str, ...],
    *,
    today: date,
    country: str = "GB",
    verified: bool = True,
    card: str = "active",
    status: CustomerStatus = CustomerStatus.ACTIVE,
    seed: int = 7,
    language: str | None = None,
) -> BuiltCustomer:
    """Add one customer in a chosen state (for tests, scenarios and demos);
    ``language`` is the one they chat in (default: the market's)."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"unsupported language {language!r}; use one of {LANGUAGES}")
    rows = new_rows()
    with db.engine.begin() as conn:
        ids = IdSource()
        _start_ids(conn, ids)
        b = CustomerBuilder(
            ids, rows, random.Random(seed), today, market_for(country), _ensure_merchants(conn)
        )
        cid = b.customer(verified=verified, status=status, language=language)
        b.card(card)
        for arch in archetypes:
            b.order(arch)
        built = BuiltCustomer(
            cid,
            [o["reference"] for o in rows["orders"]],
            [c["last4"] for c in rows["cards"]],
            rows["customers"][0]["email"],
        )
        _flush(conn, rows)
    _fix_sequences(db)
    return built


def _fix_sequences(db: Database) -> None:
    """PostgreSQL: move identity sequences past the ids the seeder assigned itself."""
    if db.dialect != "postgresql":
        return
    with db.engine.begin() as conn:
        for table in [*TABLES, "merchants"]:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )


assert set(MARKET_WEIGHTS) == set(MARKETS), "every market needs a weight"
