"""Disputes: the customer contests a purchase; payments pause while it is open."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from sqlalchemy import select

from deskpilot.db import models as m
from deskpilot.domain.actions._common import find_order, find_plan, refresh_plan_status
from deskpilot.domain.actions._registry import ActionContext, ActionInput, ActionOutput, action
from deskpilot.domain.actions.views import DisputeView, dispute_view
from deskpilot.domain.enums import DisputeReason, DisputeStatus, InstallmentStatus
from deskpilot.domain.policies import DISPUTE_MERCHANT_RESPONSE_DAYS, DISPUTE_WINDOW_DAYS
from deskpilot.errors import PolicyRefused

OPEN_DISPUTE = (DisputeStatus.OPEN, DisputeStatus.AWAITING_MERCHANT)


class OpenDisputeIn(ActionInput):
    order_reference: str = Field(min_length=1, max_length=40)
    reason: DisputeReason
    description: str = Field(default="", max_length=2000)


class OpenDisputeOut(ActionOutput):
    dispute: DisputeView
    paused_installments: int


@action(rule="dispute_window")
def open_dispute(ctx: ActionContext, inp: OpenDisputeIn) -> OpenDisputeOut:
    """Open a dispute on a purchase (item not received, damaged, wrong item, or
    unauthorised); the order's payments pause while the merchant responds."""
    order = find_order(ctx, inp.order_reference)
    if ctx.now - order.purchased_at > timedelta(days=DISPUTE_WINDOW_DAYS):
        raise PolicyRefused(
            f"Purchases can be disputed within {DISPUTE_WINDOW_DAYS} days; "
            f"{order.reference} is older",
            rule="dispute_window",
        )
    existing = ctx.session.scalars(
        select(m.Dispute).where(m.Dispute.order_id == order.id, m.Dispute.status.in_(OPEN_DISPUTE))
    ).first()
    if existing is not None:
        raise PolicyRefused(
            f"Order {order.reference} already has an open dispute", rule="dispute_window"
        )
    dispute = m.Dispute(
        order_id=order.id,
        customer_id=ctx.customer.id,
        reason=inp.reason.value,
        description=inp.description,
        status=DisputeStatus.AWAITING_MERCHANT,
        opened_at=ctx.now,
        merchant_response_due=ctx.now + timedelta(days=DISPUTE_MERCHANT_RESPONSE_DAYS),
    )
    ctx.session.add(dispute)
    plan = find_plan(ctx, order)
    paused = 0
    for inst in plan.installments:
        if inst.status in (InstallmentStatus.SCHEDULED, InstallmentStatus.OVERDUE):
            inst.status = InstallmentStatus.PAUSED
            inst.paused_until = None  # until the dispute is resolved
            paused += 1
    refresh_plan_status(ctx, plan)
    ctx.session.flush()
    return OpenDisputeOut(
        dispute=dispute_view(dispute, order.reference), paused_installments=paused
    )
