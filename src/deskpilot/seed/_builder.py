"""Builds one customer's rows (orders, plans, payments, ledger...) in memory.

Everything is derived from one random generator per customer, so the same seed
gives the same data set. Money always balances: the ledger entries written here
equal what is outstanding on installments and fees, exactly as the actions keep it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any

import phonenumbers

from deskpilot.domain.enums import (
    CardKind,
    CardStatus,
    CustomerStatus,
    DisputeStatus,
    FeeStatus,
    InstallmentStatus,
    LedgerKind,
    OrderStatus,
    PaymentMethodKind,
    PaymentStatus,
    PlanKind,
    PlanStatus,
    RefundStatus,
    ReturnStatus,
    ShippingStatus,
)
from deskpilot.domain.markets import Market
from deskpilot.domain.money import CURRENCY_EXPONENTS, split_evenly
from deskpilot.domain.policies import (
    DISPUTE_MERCHANT_RESPONSE_DAYS,
    REFUND_PAYOUT_DAYS,
    RETURN_PAUSE_DAYS,
)
from deskpilot.seed._names import BANKS, CITIES, FIRST_NAMES, LAST_NAMES, MERCHANTS, STREETS

# Rough price level of each currency against the euro, for plausible amounts.
PRICE_LEVEL = {
    "SEK": 11,
    "NOK": 11,
    "DKK": 7,
    "PLN": 4,
    "CZK": 25,
    "HUF": 390,
    "RON": 5,
    "JPY": 160,
    "MXN": 19,
    "CHF": 1,
    "GBP": 1,
    "USD": 1,
    "AUD": 2,
    "CAD": 1,
    "NZD": 2,
    "EUR": 1,
}

ARCHETYPES = [
    "delivered_recent",
    "processing",
    "in_transit",
    "overdue",
    "financing",
    "paid_off",
    "refund_pending",
    "return_registered",
    "disputed",
    "pay_in_30",
]
WEIGHTS = [20, 8, 8, 8, 7, 25, 5, 5, 4, 10]


@dataclass
class IdSource:
    """Next free primary key per table."""

    counters: dict[str, count[int]] = field(default_factory=dict)

    def start(self, table: str, first: int) -> None:
        self.counters[table] = count(first)

    def next(self, table: str) -> int:
        return next(self.counters[table])


Rows = dict[str, list[dict[str, Any]]]


def _at(d: date, hour: int = 12) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=UTC)


class CustomerBuilder:
    """Creates the rows of one customer with the given order archetypes."""

    def __init__(
        self,
        ids: IdSource,
        rows: Rows,
        rng: random.Random,
        today: date,
        market: Market,
        merchant_ids: list[int],
    ) -> None:
        self.ids, self.rows, self.rng, self.today, self.market = ids, rows, rng, today, market
        self.merchant_ids = merchant_ids
        self.cur = market.currency
        self.cid = 0
        self.method_id = 0

    def add(self, table: str, **values: Any) -> int:
        if "id" not in values:
            values["id"] = self.ids.next(table)
        self.rows[table].append(values)
        return int(values["id"])

    def ledger(
        self, kind: LedgerKind, amount: int, ref: str, order_id: int | None, on: date
    ) -> None:
        if amount:
            self.add(
                "ledger_entries",
                customer_id=self.cid,
                order_id=order_id,
                kind=kind.value,
                amount_minor=amount,
                currency=self.cur,
                ref=ref,
                created_at=_at(on),
            )

    # -- the customer ---------------------------------------------------------------
    def customer(
        self, *, verified: bool, status: CustomerStatus, language: str | None = None
    ) -> int:
        """Add the customer; ``language`` is the one they chat in (default: the market's)."""
        rng, lang = self.rng, language or self.market.language
        first = rng.choice(FIRST_NAMES.get(lang, FIRST_NAMES["en"]))
        last = rng.choice(LAST_NAMES.get(lang, LAST_NAMES["en"]))
        cid = self.ids.next("customers")
        self.cid = cid
        self.add(
            "customers",
            id=cid,
            first_name=first,
            last_name=last,
            email=f"customer{cid}@example.com",
            phone=_phone(self.market.country, rng),
            address_line=f"{rng.choice(STREETS.get(lang, STREETS['en']))} {rng.randint(1, 120)}",
            postal_code=f"{rng.randint(10000, 99999)}",
            city=rng.choice(CITIES[self.market.country]),
            country=self.market.country,
            language=lang,
            identity_verified=verified,
            status=status.value,
            created_at=_at(self.today - timedelta(days=rng.randint(200, 1500))),
        )
        self.method_id = self.add(
            "payment_methods",
            customer_id=cid,
            kind=PaymentMethodKind.CARD.value,
            label=rng.choice(["Visa", "Mastercard"]),
            last4=f"{rng.randint(0, 9999):04d}",
            expires_on=date(self.today.year + rng.randint(1, 4), rng.randint(1, 12), 1),
            is_autopay=True,
            active=True,
        )
        self.add(
            "payment_methods",
            customer_id=cid,
            kind=PaymentMethodKind.BANK_ACCOUNT.value,
            label=_bank(self.market.country, cid),
            last4=f"{rng.randint(0, 9999):04d}",
            expires_on=None,
            is_autopay=False,
            active=rng.random() < 0.8,
        )
        return cid

    def card(self, state: str) -> None:
        rng = self.rng
        expires = date(self.today.year + 3, rng.randint(1, 12), 1)
        if state == "none":
            return
        status = {"active": CardStatus.ACTIVE, "frozen": CardStatus.FROZEN}.get(
            state, CardStatus.BLOCKED
        )
        first = self.add(
            "cards",
            customer_id=self.cid,
            kind=CardKind.PHYSICAL.value,
            last4=f"{rng.randint(0, 9999):04d}",
            status=status.value,
            block_reason="stolen" if state == "blocked" else None,
            expires_on=expires,
            replaces_card_id=None,
            created_at=_at(self.today - timedelta(days=300)),
        )
        if state == "blocked":
            self.add(
                "cards",
                customer_id=self.cid,
                kind=CardKind.PHYSICAL.value,
                last4=f"{rng.randint(0, 9999):04d}",
                status=CardStatus.ORDERED.value,
                block_reason=None,
                expires_on=expires,
                replaces_card_id=first,
                created_at=_at(self.today - timedelta(days=2)),
            )
        if rng.random() < 0.4:
            self.add(
                "cards",
                customer_id=self.cid,
                kind=CardKind.VIRTUAL.value,
                last4=f"{rng.randint(0, 9999):04d}",
                status=CardStatus.ACTIVE.value,
                block_reason=None,
                expires_on=expires,
                replaces_card_id=None,
                created_at=_at(self.today - timedelta(days=100)),
            )

    # -- orders -----------------------------------------------------------------------
    def order(self, archetype: str) -> None:
        rng, today = self.rng, self.today
        age = {
            "delivered_recent": rng.randint(6, 25),
            "processing": rng.randint(0, 1),
            "in_transit": rng.randint(2, 5),
            "overdue": rng.randint(35, 80),
            "financing": rng.randint(40, 300),
            "paid_off": rng.randint(60, 400),
            "refund_pending": rng.randint(10, 25),
            "return_registered": rng.randint(8, 20),
            "disputed": rng.randint(20, 60),
            "pay_in_30": rng.randint(3, 20),
        }[archetype]
        purchased = today - timedelta(days=age)
        merchant = rng.choice(self.merchant_ids)
        m_index = (merchant - 1) % len(MERCHANTS)
        items = self._items(m_index, archetype)
        total = sum(q * p for _, q, p in items)
        oid = self.ids.next("orders")
        shipping, shipped, delivered = self._shipping(archetype, purchased)
        self.add(
            "orders",
            id=oid,
            reference=f"DP-{100000 + oid}",
            customer_id=self.cid,
            merchant_id=merchant,
            currency=self.cur,
            total_minor=total,
            status=(OrderStatus.COMPLETED if archetype == "paid_off" else OrderStatus.PLACED).value,
            shipping_status=shipping.value,
            carrier=None if shipped is None else rng.choice(["DHL", "UPS", "PostNord", "DPD"]),
            tracking_number=None if shipped is None else f"TRK{rng.randint(10**9, 10**10)}",
            purchased_at=_at(purchased, 10),
            shipped_at=shipped,
            delivered_at=delivered,
        )
        item_ids = [
            self.add(
                "order_items",
                order_id=oid,
                sku=f"SKU-{m_index:02d}{k}",
                name=name,
                quantity=q,
                unit_price_minor=p,
                returned_quantity=0,
            )
            for k, (name, q, p) in enumerate(items)
        ]
        kind = self._plan_kind(archetype, total)
        self._plan(oid, kind, total, purchased, archetype, item_ids)

    def _items(self, m_index: int, archetype: str) -> list[tuple[str, int, int]]:
        rng = self.rng
        _, _, catalogue = MERCHANTS[m_index]
        scale = 10 ** CURRENCY_EXPONENTS[self.cur] * PRICE_LEVEL.get(self.cur, 1)
        chosen = rng.sample(catalogue, k=rng.randint(1, min(2, len(catalogue))))
        out = []
        for name, price in chosen:
            p = int(price * rng.uniform(0.8, 1.2)) * scale
            if archetype == "financing":
                p = max(p, 600 * scale)
            out.append((name, 1 if rng.random() < 0.85 else 2, p))
        return out

    def _shipping(
        self, archetype: str, purchased: date
    ) -> tuple[ShippingStatus, datetime | None, datetime | None]:
        if archetype == "processing":
            return ShippingStatus.PROCESSING, None, None
        shipped = _at(purchased + timedelta(days=1), 15)
        if archetype == "in_transit":
            return ShippingStatus.IN_TRANSIT, shipped, None
        if archetype == "disputed" and self.rng.random() < 0.5:
            return ShippingStatus.IN_TRANSIT, shipped, None  # never arrived
        return ShippingStatus.DELIVERED, shipped, _at(purchased + timedelta(days=3), 14)

    def _plan_kind(self, archetype: str, total: int) -> PlanKind:
        if archetype == "financing":
            return PlanKind.FINANCING
        if archetype == "pay_in_30":
            return PlanKind.PAY_IN_30
        return PlanKind.PAY_IN_4

    def _plan(
        self,
        oid: int,
        kind: PlanKind,
        total: int,
        purchased: date,
        archetype: str,
        item_ids: list[int],
    ) -> None:
        rng = self.rng
        apr, term, interest = 0, 0, 0
        if kind == PlanKind.FINANCING:
            term = rng.choice([6, 12, 24, 36])
            apr = rng.choice([0, 999, 1999, 2499])
            interest = total * apr * (term + 1) // (2 * 12 * 10000)  # simple-interest approx.
            amounts = split_evenly(total + interest, term)
            dues = [_add_months(purchased, k + 1) for k in range(term)]
        elif kind == PlanKind.PAY_IN_30:
            amounts, dues = [total], [purchased + timedelta(days=30)]
        else:
            amounts = split_evenly(total, 4)
            dues = [purchased + timedelta(days=14 * k) for k in range(4)]
        pid = self.ids.next("payment_plans")
        insts = [
            self._installment(pid, oid, seq, due, amt, archetype)
            for seq, (due, amt) in enumerate(zip(dues, amounts, strict=True), start=1)
        ]
        self.ledger(LedgerKind.PURCHASE, total + interest, f"order:{oid}", oid, purchased)
        status = self._after_effects(oid, archetype, insts, item_ids, purchased)
        self.add(
            "payment_plans",
            id=pid,
            order_id=oid,
            customer_id=self.cid,
            kind=kind.value,
            currency=self.cur,
            principal_minor=total,
            interest_minor=interest,
            apr_bps=apr,
            term_months=term,
            status=status.value,
            created_at=_at(purchased, 10),
        )
        self.rows["installments"].extend(insts)

    def _installment(
        self, pid: int, oid: int, seq: int, due: date, amount: int, archetype: str
    ) -> dict[str, Any]:
        iid = self.ids.next("installments")
        paid_now = due <= self.today and not (archetype == "overdue" and seq >= 3)
        row = {
            "id": iid,
            "plan_id": pid,
            "customer_id": self.cid,
            "seq": seq,
            "due_date": due,
            "original_due_date": due,
            "amount_minor": amount,
            "paid_minor": 0,
            "credited_minor": 0,
            "status": InstallmentStatus.SCHEDULED.value,
            "extended": False,
            "paused_until": None,
            "paid_at": None,
        }
        if archetype == "paid_off" or paid_now:
            self._pay(row, oid, due)
        elif due < self.today:
            row["status"] = InstallmentStatus.OVERDUE.value
            if due + timedelta(days=7) <= self.today:
                self._fee(iid, due + timedelta(days=7))
        return row

    def _pay(self, row: dict[str, Any], oid: int, on: date) -> None:
        pay_id = self.add(
            "payments",
            customer_id=self.cid,
            payment_method_id=self.method_id,
            amount_minor=row["amount_minor"],
            currency=self.cur,
            status=PaymentStatus.SUCCEEDED.value,
            created_at=_at(on, 6),
        )
        self.add(
            "payment_allocations",
            payment_id=pay_id,
            installment_id=row["id"],
            fee_id=None,
            amount_minor=row["amount_minor"],
        )
        self.ledger(LedgerKind.PAYMENT, -row["amount_minor"], f"payment:{pay_id}", oid, on)
        row.update(
            paid_minor=row["amount_minor"], status=InstallmentStatus.PAID.value, paid_at=_at(on, 6)
        )

    def _fee(self, iid: int, on: date) -> None:
        fid = self.add(
            "fees",
            customer_id=self.cid,
            installment_id=iid,
            kind="late_fee",
            amount_minor=self.market.late_fee_minor,
            currency=self.cur,
            status=FeeStatus.CHARGED.value,
            charged_at=_at(on, 3),
            settled_at=None,
        )
        self.ledger(LedgerKind.LATE_FEE, self.market.late_fee_minor, f"fee:{fid}", None, on)

    def _after_effects(
        self,
        oid: int,
        archetype: str,
        insts: list[dict[str, Any]],
        item_ids: list[int],
        purchased: date,
    ) -> PlanStatus:
        open_insts = [i for i in insts if i["status"] != InstallmentStatus.PAID.value]
        if archetype == "paid_off":
            return PlanStatus.COMPLETED
        if archetype in ("return_registered", "refund_pending"):
            return self._returned(oid, archetype, insts, open_insts, item_ids)
        if archetype == "disputed":
            reason = (
                "item_not_received"
                if self.rows["orders"][-1]["delivered_at"] is None
                else self.rng.choice(["damaged", "wrong_item", "unauthorised"])
            )
            opened = self.today - timedelta(days=self.rng.randint(1, 10))
            self.add(
                "disputes",
                order_id=oid,
                customer_id=self.cid,
                reason=reason,
                description="Opened by the customer in a chat",
                status=DisputeStatus.AWAITING_MERCHANT.value,
                opened_at=_at(opened),
                merchant_response_due=_at(opened + timedelta(days=DISPUTE_MERCHANT_RESPONSE_DAYS)),
                resolved_at=None,
            )
            for i in open_insts:
                i.update(status=InstallmentStatus.PAUSED.value, paused_until=None)
            return PlanStatus.PAUSED if open_insts else PlanStatus.COMPLETED
        return PlanStatus.ACTIVE if open_insts else PlanStatus.COMPLETED

    def _returned(
        self,
        oid: int,
        archetype: str,
        insts: list[dict[str, Any]],
        open_insts: list[dict[str, Any]],
        item_ids: list[int],
    ) -> PlanStatus:
        reported = self.today - timedelta(days=self.rng.randint(1, 5))
        received = archetype == "refund_pending"
        rid = self.add(
            "returns",
            order_id=oid,
            customer_id=self.cid,
            status=(ReturnStatus.RECEIVED if received else ReturnStatus.REGISTERED).value,
            reason="Did not fit",
            created_at=_at(reported),
        )
        item_rows = {r["id"]: r for r in self.rows["order_items"][-len(item_ids) :]}
        for item_id in item_ids:
            qty = item_rows[item_id]["quantity"]
            item_rows[item_id]["returned_quantity"] = qty
            self.add("return_items", return_id=rid, order_item_id=item_id, quantity=qty)
        if not received:
            for i in open_insts:
                i.update(
                    status=InstallmentStatus.PAUSED.value,
                    paused_until=reported + timedelta(days=RETURN_PAUSE_DAYS),
                )
            return PlanStatus.PAUSED if open_insts else PlanStatus.COMPLETED
        total = self.rows["orders"][-1]["total_minor"]
        credited = sum(i["amount_minor"] for i in open_insts)
        for i in open_insts:
            i.update(credited_minor=i["amount_minor"], status=InstallmentStatus.CANCELLED.value)
        payout = total - credited
        ref_id = self.add(
            "refunds",
            order_id=oid,
            customer_id=self.cid,
            return_id=rid,
            amount_minor=total,
            currency=self.cur,
            credited_minor=credited,
            payout_minor=payout,
            status=(RefundStatus.PENDING if payout else RefundStatus.COMPLETED).value,
            reason="Return received by the merchant",
            created_at=_at(self.today),
            expected_at=_at(self.today + timedelta(days=REFUND_PAYOUT_DAYS)),
            completed_at=None if payout else _at(self.today),
        )
        self.ledger(LedgerKind.REFUND_CREDIT, -total, f"refund:{ref_id}", oid, self.today)
        self.ledger(LedgerKind.PAYOUT, payout, f"refund:{ref_id}", oid, self.today)
        return PlanStatus.COMPLETED


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, 28))


_PHONE_CACHE: dict[str, str] = {}


def _phone(country: str, rng: random.Random) -> str:
    """A valid-looking mobile number of the market, in E.164."""
    if country not in _PHONE_CACHE:
        ex = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
        if ex is None:  # pragma: no cover - every market has an example number
            raise KeyError(f"no example mobile number for {country}")
        _PHONE_CACHE[country] = phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.E164)
    base = _PHONE_CACHE[country]
    return base[:-3] + f"{rng.randint(0, 999):03d}"


def new_rows() -> Rows:
    return defaultdict(list)


def _bank(country: str, customer_id: int) -> str:
    """The bank of a customer's account (chosen without drawing from the seed's random
    stream, so the rest of the data set stays as it was)."""
    banks = BANKS.get(country, ["Bank"])
    return banks[customer_id % len(banks)]
