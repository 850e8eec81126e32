"""Order actions: report a return, cancel an order, issue a refund."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from deskpilot.db import models as m
from deskpilot.domain.actions._common import (
    OPEN_INSTALLMENT,
    apply_refund,
    check_currency_matches,
    find_order,
    find_plan,
    refresh_plan_status,
    refunded_so_far,
)
from deskpilot.domain.actions._registry import (
    STAFF_ACTORS,
    ActionContext,
    ActionInput,
    ActionOutput,
    action,
)
from deskpilot.domain.actions.views import Amount, InstallmentView, RefundView, installment_view
from deskpilot.domain.actions.views import refund_view as _refund_view
from deskpilot.domain.enums import (
    InstallmentStatus,
    LedgerKind,
    OrderStatus,
    PlanStatus,
    ReturnStatus,
    ShippingStatus,
)
from deskpilot.domain.policies import RETURN_PAUSE_DAYS, RETURN_WINDOW_DAYS
from deskpilot.errors import InvalidInput, PolicyRefused

IdempotencyKeyField = Field(
    min_length=8,
    max_length=100,
    pattern=r"^[A-Za-z0-9_.:-]+$",
    description="Unique per request; repeating it never moves money twice",
)


class ReturnLine(ActionInput):
    item_id: int = Field(gt=0)
    quantity: int = Field(gt=0, le=1000)


class ReportReturnIn(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40)
    items: list[ReturnLine] | None = Field(
        default=None, max_length=100, description="Omit to return everything not yet returned"
    )
    reason: str = Field(default="", max_length=500)


class ReportReturnOut(ActionOutput):
    return_id: int
    order_reference: str
    items_returned: int
    paused_installments: list[InstallmentView]
    paused_until: str


class CancelOrderIn(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40)
    idempotency_key: str = IdempotencyKeyField


class CancelOrderOut(ActionOutput):
    order_reference: str
    cancelled_installments: int
    refund: RefundView


class IssueRefundIn(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40)
    amount_minor: int = Field(gt=0, le=10**12)
    currency: str = Field(min_length=3, max_length=3)
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = IdempotencyKeyField


class IssueRefundOut(ActionOutput):
    refund: RefundView
    remaining_refundable: Amount


def _returnable_lines(
    order: m.Order, lines: list[ReturnLine] | None
) -> list[tuple[m.OrderItem, int]]:
    by_id = {i.id: i for i in order.items}
    if lines is None:
        chosen = [(i, i.quantity - i.returned_quantity) for i in order.items]
        chosen = [(i, q) for i, q in chosen if q > 0]
    else:
        chosen = []
        for line in lines:
            item = by_id.get(line.item_id)
            if item is None:
                raise InvalidInput(f"Item {line.item_id} is not part of order {order.reference}")
            if line.quantity > item.quantity - item.returned_quantity:
                raise PolicyRefused(
                    f"Only {item.quantity - item.returned_quantity} of {item.name} can still be "
                    "returned",
                    rule="return_window",
                )
            chosen.append((item, line.quantity))
    if not chosen:
        raise PolicyRefused(
            "Everything in this order has already been returned", rule="return_window"
        )
    return chosen


@action(rule="return_pauses_payments")
def report_return(ctx: ActionContext, inp: ReportReturnIn) -> ReportReturnOut:
    """Register a return for a delivered order and pause its unpaid installments while the
    merchant processes it."""
    order = find_order(ctx, inp.order_reference)
    if order.shipping_status != ShippingStatus.DELIVERED or order.delivered_at is None:
        raise PolicyRefused(
            f"Order {order.reference} has not been delivered yet", rule="return_window"
        )
    if ctx.now - order.delivered_at > timedelta(days=RETURN_WINDOW_DAYS):
        raise PolicyRefused(
            f"The {RETURN_WINDOW_DAYS}-day return window for {order.reference} has closed",
            rule="return_window",
        )
    chosen = _returnable_lines(order, inp.items)
    ret = m.Return(
        order_id=order.id,
        customer_id=ctx.customer.id,
        status=ReturnStatus.REGISTERED,
        reason=inp.reason,
        created_at=ctx.now,
    )
    ctx.session.add(ret)
    ctx.session.flush()
    for item, qty in chosen:
        item.returned_quantity += qty
        ctx.session.add(m.ReturnItem(return_id=ret.id, order_item_id=item.id, quantity=qty))
    plan = find_plan(ctx, order)
    until = ctx.today + timedelta(days=RETURN_PAUSE_DAYS)
    paused = []
    for inst in plan.installments:
        if inst.status in (InstallmentStatus.SCHEDULED, InstallmentStatus.OVERDUE):
            inst.status = InstallmentStatus.PAUSED
            inst.paused_until = until
            paused.append(inst)
        elif inst.status == InstallmentStatus.PAUSED and (inst.paused_until or until) < until:
            inst.paused_until = until
            paused.append(inst)
    refresh_plan_status(ctx, plan)
    return ReportReturnOut(
        return_id=ret.id,
        order_reference=order.reference,
        items_returned=sum(q for _, q in chosen),
        paused_installments=[installment_view(i, order.reference, order.currency) for i in paused],
        paused_until=until.isoformat(),
    )


@action(rule="cancel_before_shipping", moves_money=True)
def cancel_order(ctx: ActionContext, inp: CancelOrderIn) -> CancelOrderOut:
    """Cancel an order that has not shipped: its remaining installments are cancelled and
    anything already paid is paid back."""
    order = find_order(ctx, inp.order_reference)
    if order.status == OrderStatus.CANCELLED:
        raise PolicyRefused(
            f"Order {order.reference} is already cancelled", rule="cancel_before_shipping"
        )
    if order.shipping_status != ShippingStatus.PROCESSING:
        raise PolicyRefused(
            f"Order {order.reference} has already shipped and can no longer be cancelled; "
            "it can be returned once it arrives",
            rule="cancel_before_shipping",
        )
    refunded, _ = refunded_so_far(ctx, order)
    plan = find_plan(ctx, order)
    open_count = sum(1 for i in plan.installments if i.status in OPEN_INSTALLMENT)
    refund = apply_refund(
        ctx,
        order,
        order.total_minor - refunded,
        reason="Order cancelled before shipping",
        kind=LedgerKind.CANCELLATION,
    )
    for inst in plan.installments:
        if inst.status in OPEN_INSTALLMENT:  # only possible with a zero-outstanding rest
            inst.status = InstallmentStatus.CANCELLED
    order.status = OrderStatus.CANCELLED
    order.shipping_status = ShippingStatus.NOT_APPLICABLE
    plan.status = PlanStatus.CANCELLED
    return CancelOrderOut(
        order_reference=order.reference,
        cancelled_installments=open_count,
        refund=_refund_view(refund, order.reference),
    )


@action(rule="refund_limit", moves_money=True, actors=STAFF_ACTORS)
def issue_refund(ctx: ActionContext, inp: IssueRefundIn) -> IssueRefundOut:
    """Refund part or all of an order (agents and merchant systems only): it first reduces
    what is still owed, the rest is paid back to the customer."""
    check_currency_matches(ctx, inp.currency)
    order = find_order(ctx, inp.order_reference)
    refund = apply_refund(ctx, order, inp.amount_minor, reason=inp.reason)
    refunded, _ = refunded_so_far(ctx, order)
    return IssueRefundOut(
        refund=_refund_view(refund, order.reference),
        remaining_refundable=Amount(minor=order.total_minor - refunded, currency=order.currency),
    )
