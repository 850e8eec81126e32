"""Payment actions: extend a due date, pay now, pay off, autopay method, fee waiver."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from sqlalchemy import func, select

from deskpilot.db import models as m
from deskpilot.domain.actions._common import (
    OPEN_INSTALLMENT,
    account_currency,
    find_installment,
    find_order,
    find_payment_method,
    find_plan,
    ledger,
    refresh_plan_status,
    settle_status,
    unpaid_fees,
)
from deskpilot.domain.actions._registry import ActionContext, ActionInput, ActionOutput, action
from deskpilot.domain.actions.orders import IdempotencyKeyField
from deskpilot.domain.actions.views import (
    Amount,
    FeeView,
    InstallmentView,
    PaymentMethodView,
    fee_view,
    installment_view,
    payment_method_view,
)
from deskpilot.domain.enums import (
    FeeStatus,
    InstallmentStatus,
    LedgerKind,
    PaymentStatus,
)
from deskpilot.domain.policies import EXTENSION_MAX_DAYS, FEE_WAIVER_PERIOD_DAYS
from deskpilot.errors import NotFound, PolicyRefused


class ExtendDueDateIn(ActionInput):
    installment_id: int = Field(gt=0)
    days: int = Field(ge=1, le=365, description=f"At most {EXTENSION_MAX_DAYS} by policy")


class ExtendDueDateOut(ActionOutput):
    installment: InstallmentView


class PayInstallmentIn(ActionInput):
    installment_id: int = Field(gt=0)
    payment_method_id: int | None = Field(
        default=None, gt=0, description="Omit to use the autopay method"
    )
    idempotency_key: str = IdempotencyKeyField


class PayOffPlanIn(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40)
    payment_method_id: int | None = Field(default=None, gt=0)
    idempotency_key: str = IdempotencyKeyField


class PaymentOut(ActionOutput):
    payment_id: int
    amount: Amount
    paid_with: str
    installments: list[InstallmentView]
    fees_paid: int


class ChangeAutopayIn(ActionInput):
    payment_method_id: int = Field(gt=0)


class ChangeAutopayOut(ActionOutput):
    autopay: PaymentMethodView


class WaiveFeeIn(ActionInput):
    fee_id: int = Field(gt=0)
    idempotency_key: str = IdempotencyKeyField


class WaiveFeeOut(ActionOutput):
    fee: FeeView


def _require_verified(ctx: ActionContext, what: str) -> None:
    if not ctx.customer.identity_verified:
        raise PolicyRefused(
            f"Please verify your identity before changing {what}", rule="verified_identity"
        )


@action(rule="extension_limits")
def extend_due_date(ctx: ActionContext, inp: ExtendDueDateIn) -> ExtendDueDateOut:
    """Move an unpaid installment's due date later, once per installment, by at most
    30 days."""
    inst = find_installment(ctx, inp.installment_id)
    if inst.status not in (InstallmentStatus.SCHEDULED, InstallmentStatus.OVERDUE):
        raise PolicyRefused(
            f"A {inst.status} installment cannot be extended", rule="extension_limits"
        )
    if inst.extended:
        raise PolicyRefused(
            "This installment's due date has already been extended once", rule="extension_limits"
        )
    if inp.days > EXTENSION_MAX_DAYS:
        raise PolicyRefused(
            f"A due date can be extended by at most {EXTENSION_MAX_DAYS} days",
            rule="extension_limits",
        )
    inst.due_date = inst.due_date + timedelta(days=inp.days)
    inst.extended = True
    if inst.status == InstallmentStatus.OVERDUE and inst.due_date >= ctx.today:
        inst.status = InstallmentStatus.SCHEDULED
    plan = ctx.session.get_one(m.PaymentPlan, inst.plan_id)
    order = ctx.session.get_one(m.Order, plan.order_id)
    return ExtendDueDateOut(installment=installment_view(inst, order.reference, plan.currency))


def _collect(
    ctx: ActionContext, insts: list[m.Installment], method_id: int | None, order: m.Order
) -> PaymentOut:
    """Charge the method for the installments' outstanding amounts and unpaid fees."""
    method = find_payment_method(ctx, method_id)
    fees = unpaid_fees(ctx, [i.id for i in insts])
    total = sum(i.outstanding_minor for i in insts) + sum(f.amount_minor for f in fees)
    if total <= 0:
        raise PolicyRefused("There is nothing left to pay here", rule="payment_outstanding")
    currency = account_currency(ctx)
    payment = m.Payment(
        customer_id=ctx.customer.id,
        payment_method_id=method.id,
        amount_minor=total,
        currency=currency,
        status=PaymentStatus.SUCCEEDED,
        created_at=ctx.now,
    )
    ctx.session.add(payment)
    ctx.session.flush()
    for inst in insts:
        owed = inst.outstanding_minor
        if owed:
            ctx.session.add(
                m.PaymentAllocation(
                    payment_id=payment.id, installment_id=inst.id, amount_minor=owed
                )
            )
            inst.paid_minor += owed
        settle_status(inst, ctx)
    for fee in fees:
        ctx.session.add(
            m.PaymentAllocation(payment_id=payment.id, fee_id=fee.id, amount_minor=fee.amount_minor)
        )
        fee.status = FeeStatus.PAID
        fee.settled_at = ctx.now
    ledger(ctx, LedgerKind.PAYMENT, -total, f"payment:{payment.id}", order.id)
    return PaymentOut(
        payment_id=payment.id,
        amount=Amount(minor=total, currency=currency),
        paid_with=f"{method.label} ending {method.last4}",
        installments=[installment_view(i, order.reference, currency) for i in insts],
        fees_paid=len(fees),
    )


@action(rule="payment_outstanding", moves_money=True)
def pay_installment(ctx: ActionContext, inp: PayInstallmentIn) -> PaymentOut:
    """Pay one installment now (plus any late fee on it) with the autopay method or another
    saved one."""
    inst = find_installment(ctx, inp.installment_id)
    if inst.status not in OPEN_INSTALLMENT:
        raise PolicyRefused(
            f"This installment is already {inst.status}", rule="payment_outstanding"
        )
    plan = ctx.session.get_one(m.PaymentPlan, inst.plan_id)
    order = ctx.session.get_one(m.Order, plan.order_id)
    out = _collect(ctx, [inst], inp.payment_method_id, order)
    refresh_plan_status(ctx, plan)
    return out


@action(rule="payment_outstanding", moves_money=True)
def pay_off_plan(ctx: ActionContext, inp: PayOffPlanIn) -> PaymentOut:
    """Pay everything still owed on an order's plan at once, fees included."""
    order = find_order(ctx, inp.order_reference)
    plan = find_plan(ctx, order)
    insts = [i for i in plan.installments if i.status in OPEN_INSTALLMENT]
    if not insts:
        raise PolicyRefused(
            f"The plan for {order.reference} is already settled", rule="payment_outstanding"
        )
    out = _collect(ctx, insts, inp.payment_method_id, order)
    refresh_plan_status(ctx, plan)
    return out


@action(rule="verified_identity")
def change_autopay_method(ctx: ActionContext, inp: ChangeAutopayIn) -> ChangeAutopayOut:
    """Make another saved card or bank account the one autopay charges."""
    _require_verified(ctx, "payment methods")
    method = find_payment_method(ctx, inp.payment_method_id)
    for other in ctx.session.scalars(
        select(m.PaymentMethod).where(m.PaymentMethod.customer_id == ctx.customer.id)
    ):
        other.is_autopay = other.id == method.id
    return ChangeAutopayOut(autopay=payment_method_view(method))


@action(rule="fee_waiver_limit", moves_money=True)
def waive_late_fee(ctx: ActionContext, inp: WaiveFeeIn) -> WaiveFeeOut:
    """Waive an unpaid late fee; at most one waiver per customer in any 12 months."""
    fee = ctx.session.scalars(
        select(m.Fee).where(m.Fee.id == inp.fee_id, m.Fee.customer_id == ctx.customer.id)
    ).one_or_none()
    if fee is None:
        raise NotFound(f"There is no fee {inp.fee_id} on this account", rule="own_data_only")
    if fee.status != FeeStatus.CHARGED:
        raise PolicyRefused(f"This fee is already {fee.status}", rule="fee_waiver_limit")
    since = ctx.now - timedelta(days=FEE_WAIVER_PERIOD_DAYS)
    recent = ctx.session.scalar(
        select(func.count(m.Fee.id)).where(
            m.Fee.customer_id == ctx.customer.id,
            m.Fee.status == FeeStatus.WAIVED,
            m.Fee.settled_at >= since,
        )
    )
    if recent:
        raise PolicyRefused(
            "A late fee was already waived in the last 12 months", rule="fee_waiver_limit"
        )
    fee.status = FeeStatus.WAIVED
    fee.settled_at = ctx.now
    ledger(ctx, LedgerKind.FEE_WAIVER, -fee.amount_minor, f"fee:{fee.id}")
    return WaiveFeeOut(fee=fee_view(fee))
