"""Output schemas shared by several actions, and their builders from ORM rows."""

from __future__ import annotations

from datetime import date, datetime

from deskpilot.db import models as m
from deskpilot.domain.actions._registry import ActionOutput


class Amount(ActionOutput):
    """Money in minor units plus ISO 4217 currency (never a float)."""

    minor: int
    currency: str


class ItemView(ActionOutput):
    id: int
    sku: str
    name: str
    quantity: int
    returned_quantity: int
    unit_price: Amount


class OrderView(ActionOutput):
    reference: str
    merchant: str
    status: str
    shipping_status: str
    carrier: str | None
    tracking_number: str | None
    total: Amount
    purchased_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: list[ItemView]
    returnable_quantity: int  # items not yet returned


class InstallmentView(ActionOutput):
    id: int
    order_reference: str
    seq: int
    due_date: date
    original_due_date: date
    amount: Amount
    outstanding: Amount
    status: str
    extended: bool
    paused_until: date | None


class PlanView(ActionOutput):
    order_reference: str
    kind: str
    status: str
    principal: Amount
    interest: Amount
    apr_percent: str
    term_months: int
    installments: list[InstallmentView]


class RefundView(ActionOutput):
    id: int
    order_reference: str
    amount: Amount
    credited: Amount
    paid_back: Amount
    status: str
    reason: str
    created_at: datetime
    expected_at: datetime
    completed_at: datetime | None


class ReturnView(ActionOutput):
    id: int
    order_reference: str
    status: str
    reason: str
    created_at: datetime
    items: list[str]


class DisputeView(ActionOutput):
    id: int
    order_reference: str
    reason: str
    status: str
    opened_at: datetime
    merchant_response_due: datetime


class CardView(ActionOutput):
    id: int
    kind: str
    last4: str
    status: str
    block_reason: str | None
    expires_on: date
    replaces_card_id: int | None


class FeeView(ActionOutput):
    id: int
    installment_id: int
    kind: str
    amount: Amount
    status: str
    charged_at: datetime
    settled_at: datetime | None


class PaymentMethodView(ActionOutput):
    id: int
    kind: str
    label: str
    last4: str
    expires_on: date | None
    is_autopay: bool
    active: bool


def amount(minor: int, currency: str) -> Amount:
    return Amount(minor=minor, currency=currency)


def order_view(o: m.Order) -> OrderView:
    return OrderView(
        reference=o.reference,
        merchant=o.merchant.name,
        status=o.status,
        shipping_status=o.shipping_status,
        carrier=o.carrier,
        tracking_number=o.tracking_number,
        total=amount(o.total_minor, o.currency),
        purchased_at=o.purchased_at,
        shipped_at=o.shipped_at,
        delivered_at=o.delivered_at,
        items=[
            ItemView(
                id=i.id,
                sku=i.sku,
                name=i.name,
                quantity=i.quantity,
                returned_quantity=i.returned_quantity,
                unit_price=amount(i.unit_price_minor, o.currency),
            )
            for i in o.items
        ],
        returnable_quantity=sum(i.quantity - i.returned_quantity for i in o.items),
    )


def installment_view(i: m.Installment, order_ref: str, currency: str) -> InstallmentView:
    return InstallmentView(
        id=i.id,
        order_reference=order_ref,
        seq=i.seq,
        due_date=i.due_date,
        original_due_date=i.original_due_date,
        amount=amount(i.amount_minor, currency),
        outstanding=amount(i.outstanding_minor, currency),
        status=i.status,
        extended=i.extended,
        paused_until=i.paused_until,
    )


def plan_view(p: m.PaymentPlan, order_ref: str) -> PlanView:
    return PlanView(
        order_reference=order_ref,
        kind=p.kind,
        status=p.status,
        principal=amount(p.principal_minor, p.currency),
        interest=amount(p.interest_minor, p.currency),
        apr_percent=f"{p.apr_bps // 100}.{p.apr_bps % 100:02d}",
        term_months=p.term_months,
        installments=[installment_view(i, order_ref, p.currency) for i in p.installments],
    )


def refund_view(r: m.Refund, order_ref: str) -> RefundView:
    return RefundView(
        id=r.id,
        order_reference=order_ref,
        amount=amount(r.amount_minor, r.currency),
        credited=amount(r.credited_minor, r.currency),
        paid_back=amount(r.payout_minor, r.currency),
        status=r.status,
        reason=r.reason,
        created_at=r.created_at,
        expected_at=r.expected_at,
        completed_at=r.completed_at,
    )


def dispute_view(d: m.Dispute, order_ref: str) -> DisputeView:
    return DisputeView(
        id=d.id,
        order_reference=order_ref,
        reason=d.reason,
        status=d.status,
        opened_at=d.opened_at,
        merchant_response_due=d.merchant_response_due,
    )


def card_view(c: m.Card) -> CardView:
    return CardView(
        id=c.id,
        kind=c.kind,
        last4=c.last4,
        status=c.status,
        block_reason=c.block_reason,
        expires_on=c.expires_on,
        replaces_card_id=c.replaces_card_id,
    )


def fee_view(f: m.Fee) -> FeeView:
    return FeeView(
        id=f.id,
        installment_id=f.installment_id,
        kind=f.kind,
        amount=amount(f.amount_minor, f.currency),
        status=f.status,
        charged_at=f.charged_at,
        settled_at=f.settled_at,
    )


def payment_method_view(p: m.PaymentMethod) -> PaymentMethodView:
    return PaymentMethodView(
        id=p.id,
        kind=p.kind,
        label=p.label,
        last4=p.last4,
        expires_on=p.expires_on,
        is_autopay=p.is_autopay,
        active=p.active,
    )
