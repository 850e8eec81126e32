"""Read-only account look-ups; each sees only the acting customer's data."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select

from deskpilot.db import models as m
from deskpilot.domain.actions._common import (
    OPEN_INSTALLMENT,
    account_currency,
    balance_minor,
    find_order,
    find_plan,
)
from deskpilot.domain.actions._registry import ActionContext, ActionInput, ActionOutput, action
from deskpilot.domain.actions.views import (
    Amount,
    CardView,
    DisputeView,
    FeeView,
    InstallmentView,
    OrderView,
    PaymentMethodView,
    PlanView,
    RefundView,
    ReturnView,
    amount,
    card_view,
    dispute_view,
    fee_view,
    installment_view,
    order_view,
    payment_method_view,
    plan_view,
    refund_view,
)
from deskpilot.domain.enums import FeeStatus, InstallmentStatus, OrderStatus
from deskpilot.domain.markets import market_for


class NoInput(ActionInput):
    """This look-up takes no arguments."""


class OrderRef(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40, description="e.g. DP-100042")


class ListInput(ActionInput):
    limit: int = Field(default=20, ge=1, le=200)


class BalanceOut(ActionOutput):
    balance: Amount
    installments_outstanding: Amount
    fees_outstanding: Amount
    overdue: Amount


class CustomerOverview(ActionOutput):
    customer_id: int
    name: str
    email: str
    phone: str
    market: str
    language: str
    locale: str
    identity_verified: bool
    status: str
    balance: Amount
    open_orders: int
    next_installment: InstallmentView | None
    cards: list[CardView]


class OrderList(ActionOutput):
    orders: list[OrderView]


class InstallmentList(ActionOutput):
    installments: list[InstallmentView]


class RefundList(ActionOutput):
    refunds: list[RefundView]


class ReturnList(ActionOutput):
    returns: list[ReturnView]


class DisputeList(ActionOutput):
    disputes: list[DisputeView]


class CardList(ActionOutput):
    cards: list[CardView]


class FeeList(ActionOutput):
    fees: list[FeeView]


class PaymentMethodList(ActionOutput):
    payment_methods: list[PaymentMethodView]


def _upcoming(ctx: ActionContext, limit: int) -> list[InstallmentView]:
    rows = ctx.session.execute(
        select(m.Installment, m.Order.reference, m.PaymentPlan.currency)
        .join(m.PaymentPlan, m.Installment.plan_id == m.PaymentPlan.id)
        .join(m.Order, m.PaymentPlan.order_id == m.Order.id)
        .where(
            m.Installment.customer_id == ctx.customer.id, m.Installment.status.in_(OPEN_INSTALLMENT)
        )
        .order_by(m.Installment.due_date, m.Installment.id)
        .limit(limit)
    ).all()
    return [installment_view(i, ref, cur) for i, ref, cur in rows]


def _balance(ctx: ActionContext) -> BalanceOut:
    cur = account_currency(ctx)
    insts = ctx.session.scalars(
        select(m.Installment).where(
            m.Installment.customer_id == ctx.customer.id, m.Installment.status.in_(OPEN_INSTALLMENT)
        )
    ).all()
    fees = ctx.session.scalars(
        select(m.Fee.amount_minor).where(
            m.Fee.customer_id == ctx.customer.id, m.Fee.status == FeeStatus.CHARGED
        )
    ).all()
    overdue = sum(i.outstanding_minor for i in insts if i.status == InstallmentStatus.OVERDUE)
    return BalanceOut(
        balance=amount(balance_minor(ctx), cur),
        installments_outstanding=amount(sum(i.outstanding_minor for i in insts), cur),
        fees_outstanding=amount(sum(fees), cur),
        overdue=amount(overdue, cur),
    )


@action(rule="lookup", lookup=True)
def get_customer_overview(ctx: ActionContext, inp: NoInput) -> CustomerOverview:
    """The customer's profile, balance, next installment and cards at a glance."""
    c = ctx.customer
    open_orders = ctx.session.scalars(
        select(m.Order.id).where(m.Order.customer_id == c.id, m.Order.status == OrderStatus.PLACED)
    ).all()
    cards = ctx.session.scalars(
        select(m.Card).where(m.Card.customer_id == c.id).order_by(m.Card.id)
    ).all()
    upcoming = _upcoming(ctx, 1)
    return CustomerOverview(
        customer_id=c.id,
        name=f"{c.first_name} {c.last_name}",
        email=c.email,
        phone=c.phone,
        market=c.country,
        language=c.language,
        locale=market_for(c.country).locale,
        identity_verified=c.identity_verified,
        status=c.status,
        balance=_balance(ctx).balance,
        open_orders=len(open_orders),
        next_installment=upcoming[0] if upcoming else None,
        cards=[card_view(x) for x in cards],
    )


@action(rule="lookup", lookup=True)
def list_orders(ctx: ActionContext, inp: ListInput) -> OrderList:
    """The customer's orders, newest first, with items, shipping status and tracking."""
    rows = (
        ctx.session.scalars(
            select(m.Order)
            .where(m.Order.customer_id == ctx.customer.id)
            .order_by(m.Order.purchased_at.desc(), m.Order.id.desc())
            .limit(inp.limit)
        )
        .unique()
        .all()
    )
    return OrderList(orders=[order_view(o) for o in rows])


@action(rule="lookup", lookup=True)
def get_order(ctx: ActionContext, inp: OrderRef) -> OrderView:
    """One order with its items, shipping status, carrier and tracking number."""
    return order_view(find_order(ctx, inp.order_reference))


@action(rule="lookup", lookup=True)
def get_payment_plan(ctx: ActionContext, inp: OrderRef) -> PlanView:
    """An order's payment plan with every installment, its due date and status."""
    order = find_order(ctx, inp.order_reference)
    return plan_view(find_plan(ctx, order), order.reference)


@action(rule="lookup", lookup=True)
def list_upcoming_installments(ctx: ActionContext, inp: ListInput) -> InstallmentList:
    """Unpaid installments across all plans, soonest due first."""
    return InstallmentList(installments=_upcoming(ctx, inp.limit))


@action(rule="lookup", lookup=True)
def get_balance(ctx: ActionContext, inp: NoInput) -> BalanceOut:
    """What the customer owes: installments, fees, and how much of it is overdue."""
    return _balance(ctx)


def _refs(ctx: ActionContext) -> dict[int, str]:
    rows = ctx.session.execute(
        select(m.Order.id, m.Order.reference).where(m.Order.customer_id == ctx.customer.id)
    ).all()
    return {int(oid): str(ref) for oid, ref in rows}


@action(rule="lookup", lookup=True)
def list_refunds(ctx: ActionContext, inp: ListInput) -> RefundList:
    """Refunds with amount, how much went back to the card, status and expected date."""
    refs = _refs(ctx)
    rows = ctx.session.scalars(
        select(m.Refund)
        .where(m.Refund.customer_id == ctx.customer.id)
        .order_by(m.Refund.created_at.desc())
        .limit(inp.limit)
    ).all()
    return RefundList(refunds=[refund_view(r, refs[r.order_id]) for r in rows])


@action(rule="lookup", lookup=True)
def list_returns(ctx: ActionContext, inp: ListInput) -> ReturnList:
    """Reported returns, their items and status."""
    refs = _refs(ctx)
    rows = ctx.session.scalars(
        select(m.Return)
        .where(m.Return.customer_id == ctx.customer.id)
        .order_by(m.Return.created_at.desc())
        .limit(inp.limit)
    ).all()
    names: dict[int, str] = {}
    if refs:
        for item_id, name in ctx.session.execute(
            select(m.OrderItem.id, m.OrderItem.name).where(m.OrderItem.order_id.in_(list(refs)))
        ):
            names[item_id] = name
    return ReturnList(
        returns=[
            ReturnView(
                id=r.id,
                order_reference=refs[r.order_id],
                status=r.status,
                reason=r.reason,
                created_at=r.created_at,
                items=[f"{ri.quantity} × {names.get(ri.order_item_id, '?')}" for ri in r.items],
            )
            for r in rows
        ]
    )


@action(rule="lookup", lookup=True)
def list_disputes(ctx: ActionContext, inp: ListInput) -> DisputeList:
    """Disputes with reason, status and the merchant's response deadline."""
    refs = _refs(ctx)
    rows = ctx.session.scalars(
        select(m.Dispute)
        .where(m.Dispute.customer_id == ctx.customer.id)
        .order_by(m.Dispute.opened_at.desc())
        .limit(inp.limit)
    ).all()
    return DisputeList(disputes=[dispute_view(d, refs[d.order_id]) for d in rows])


@action(rule="lookup", lookup=True)
def get_card_status(ctx: ActionContext, inp: NoInput) -> CardList:
    """The customer's cards (virtual and physical) and whether each is active, frozen or blocked."""
    rows = ctx.session.scalars(
        select(m.Card).where(m.Card.customer_id == ctx.customer.id).order_by(m.Card.id)
    ).all()
    return CardList(cards=[card_view(c) for c in rows])


@action(rule="lookup", lookup=True)
def get_fee_history(ctx: ActionContext, inp: ListInput) -> FeeList:
    """Late fees charged, paid and waived, newest first."""
    rows = ctx.session.scalars(
        select(m.Fee)
        .where(m.Fee.customer_id == ctx.customer.id)
        .order_by(m.Fee.charged_at.desc())
        .limit(inp.limit)
    ).all()
    return FeeList(fees=[fee_view(f) for f in rows])


@action(rule="lookup", lookup=True)
def list_payment_methods(ctx: ActionContext, inp: NoInput) -> PaymentMethodList:
    """Saved cards and bank accounts, and which one autopay uses."""
    rows = ctx.session.scalars(
        select(m.PaymentMethod)
        .where(m.PaymentMethod.customer_id == ctx.customer.id)
        .order_by(m.PaymentMethod.id)
    ).all()
    return PaymentMethodList(payment_methods=[payment_method_view(p) for p in rows])
