"""Helpers shared by the action modules: scoped look-ups, ledger, plan state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from deskpilot.db.models import (
    Fee,
    Installment,
    LedgerEntry,
    Order,
    PaymentMethod,
    PaymentPlan,
    Refund,
)
from deskpilot.domain.actions._registry import ActionContext
from deskpilot.domain.enums import (
    FeeStatus,
    InstallmentStatus,
    LedgerKind,
    PlanStatus,
    RefundStatus,
)
from deskpilot.domain.markets import market_for
from deskpilot.domain.policies import REFUND_PAYOUT_DAYS
from deskpilot.errors import InvalidInput, NotFound, PolicyRefused

OPEN_INSTALLMENT = (
    InstallmentStatus.SCHEDULED,
    InstallmentStatus.OVERDUE,
    InstallmentStatus.PAUSED,
)


def find_order(ctx: ActionContext, reference: str) -> Order:
    """The customer's order with this reference; NotFound for anyone else's."""
    order = ctx.session.scalars(
        select(Order).where(
            Order.reference == reference.upper(), Order.customer_id == ctx.customer.id
        )
    ).one_or_none()
    if order is None:
        raise NotFound(f"There is no order {reference} on this account", rule="own_data_only")
    return order


def find_plan(ctx: ActionContext, order: Order) -> PaymentPlan:
    plan = ctx.session.scalars(
        select(PaymentPlan).where(PaymentPlan.order_id == order.id)
    ).one_or_none()
    if plan is None:
        raise NotFound(f"Order {order.reference} has no payment plan", rule="own_data_only")
    return plan


def find_installment(ctx: ActionContext, installment_id: int) -> Installment:
    inst = ctx.session.scalars(
        select(Installment).where(
            Installment.id == installment_id, Installment.customer_id == ctx.customer.id
        )
    ).one_or_none()
    if inst is None:
        raise NotFound(
            f"There is no installment {installment_id} on this account", rule="own_data_only"
        )
    return inst


def find_payment_method(ctx: ActionContext, method_id: int | None) -> PaymentMethod:
    """The given method, or the autopay one; it must be usable today."""
    stmt = select(PaymentMethod).where(PaymentMethod.customer_id == ctx.customer.id)
    if method_id is None:
        stmt = stmt.where(PaymentMethod.is_autopay.is_(True))
    else:
        stmt = stmt.where(PaymentMethod.id == method_id)
    method = ctx.session.scalars(stmt).first()
    if method is None:
        raise NotFound("That payment method is not on this account", rule="own_data_only")
    if not method.active or (method.expires_on is not None and method.expires_on < ctx.today):
        raise PolicyRefused(
            f"The {method.label} ending {method.last4} is not usable (expired or removed)",
            rule="payment_method_usable",
        )
    return method


def account_currency(ctx: ActionContext) -> str:
    return market_for(ctx.customer.country).currency


def check_currency_matches(ctx: ActionContext, currency: str) -> None:
    expected = account_currency(ctx)
    if currency.upper() != expected:
        raise PolicyRefused(
            f"Amounts on this account are in {expected}, not {currency.upper()}",
            rule="currency_match",
        )


def ledger(
    ctx: ActionContext, kind: LedgerKind, amount: int, ref: str, order_id: int | None = None
) -> None:
    """Record one signed balance movement (positive: the customer owes more)."""
    if amount == 0:
        return
    ctx.session.add(
        LedgerEntry(
            customer_id=ctx.customer.id,
            order_id=order_id,
            kind=kind.value,
            amount_minor=amount,
            currency=account_currency(ctx),
            ref=ref[:40],
            created_at=ctx.now,
        )
    )


def balance_minor(ctx: ActionContext) -> int:
    total = ctx.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.customer_id == ctx.customer.id
        )
    )
    return int(total or 0)


def refresh_plan_status(ctx: ActionContext, plan: PaymentPlan) -> None:
    """Derive a plan's status from its installments."""
    ctx.session.flush()
    insts = list(plan.installments)
    if plan.status == PlanStatus.CANCELLED:
        return
    if all(i.status in (InstallmentStatus.PAID, InstallmentStatus.CANCELLED) for i in insts):
        plan.status = PlanStatus.COMPLETED
    elif any(i.status == InstallmentStatus.PAUSED for i in insts):
        plan.status = PlanStatus.PAUSED
    else:
        plan.status = PlanStatus.ACTIVE


def settle_status(inst: Installment, ctx: ActionContext) -> None:
    """After money moved on an installment, set paid/cancelled when nothing is owed."""
    if inst.outstanding_minor < 0:
        raise AssertionError("installment overpaid")  # guarded by the callers
    if inst.outstanding_minor == 0 and inst.status in OPEN_INSTALLMENT:
        inst.status = InstallmentStatus.PAID if inst.paid_minor > 0 else InstallmentStatus.CANCELLED
        inst.paid_at = ctx.now if inst.paid_minor > 0 else inst.paid_at
        inst.paused_until = None


def refunded_so_far(ctx: ActionContext, order: Order) -> tuple[int, int]:
    """(refund amounts, payouts) already recorded for the order."""
    row = ctx.session.execute(
        select(
            func.coalesce(func.sum(Refund.amount_minor), 0),
            func.coalesce(func.sum(Refund.payout_minor), 0),
        ).where(Refund.order_id == order.id, Refund.status != RefundStatus.FAILED)
    ).one()
    return int(row[0]), int(row[1])


def paid_on_order(plan: PaymentPlan) -> int:
    return sum(i.paid_minor for i in plan.installments)


def apply_refund(
    ctx: ActionContext,
    order: Order,
    amount: int,
    *,
    reason: str,
    kind: LedgerKind = LedgerKind.REFUND_CREDIT,
    return_id: int | None = None,
) -> Refund:
    """Credit ``amount`` against the order: first what is owed, the rest paid back."""
    if amount <= 0:
        raise InvalidInput("A refund amount must be positive")
    plan = find_plan(ctx, order)
    refunded, paid_out = refunded_so_far(ctx, order)
    if amount > order.total_minor - refunded:
        raise PolicyRefused(
            "The refund would exceed what was charged for the order less earlier refunds",
            rule="refund_limit",
        )
    credited = _credit_installments(plan, amount)
    payout = amount - credited
    if payout > paid_on_order(plan) - paid_out:
        raise PolicyRefused("The payout would exceed what was paid", rule="refund_limit")
    for inst in plan.installments:
        settle_status(inst, ctx)
    refund = Refund(
        order_id=order.id,
        customer_id=ctx.customer.id,
        return_id=return_id,
        amount_minor=amount,
        currency=order.currency,
        credited_minor=credited,
        payout_minor=payout,
        status=RefundStatus.PENDING if payout > 0 else RefundStatus.COMPLETED,
        reason=reason,
        created_at=ctx.now,
        expected_at=ctx.now + timedelta(days=REFUND_PAYOUT_DAYS if payout else 0),
        completed_at=None if payout > 0 else ctx.now,
    )
    ctx.session.add(refund)
    ctx.session.flush()
    ledger(ctx, kind, -amount, f"refund:{refund.id}", order.id)
    ledger(ctx, LedgerKind.PAYOUT, payout, f"refund:{refund.id}", order.id)
    refresh_plan_status(ctx, plan)
    return refund


def _credit_installments(plan: PaymentPlan, amount: int) -> int:
    """Reduce the latest open installments first; return how much was credited."""
    left = amount
    for inst in sorted(plan.installments, key=lambda i: i.seq, reverse=True):
        if left == 0:
            break
        if inst.status not in OPEN_INSTALLMENT:
            continue
        take = min(left, inst.outstanding_minor)
        inst.credited_minor += take
        left -= take
    return amount - left


def unpaid_fees(ctx: ActionContext, installment_ids: list[int]) -> list[Fee]:
    if not installment_ids:
        return []
    return list(
        ctx.session.scalars(
            select(Fee)
            .where(
                Fee.customer_id == ctx.customer.id,
                Fee.installment_id.in_(installment_ids),
                Fee.status == FeeStatus.CHARGED,
            )
            .order_by(Fee.id)
        )
    )
