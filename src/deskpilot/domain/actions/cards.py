"""The company's own card: freeze, unfreeze, report lost or stolen."""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import Field
from sqlalchemy import select

from deskpilot.db import models as m
from deskpilot.domain.actions._registry import ActionContext, ActionInput, ActionOutput, action
from deskpilot.domain.actions.views import CardView, card_view
from deskpilot.domain.enums import CardBlockReason, CardKind, CardStatus
from deskpilot.errors import NotFound, PolicyRefused


class CardIn(ActionInput):
    card_id: int | None = Field(
        default=None, gt=0, description="Omit when the customer has one usable card"
    )


class CardOut(ActionOutput):
    card: CardView


class LostStolenIn(CardIn):
    reason: CardBlockReason


class LostStolenOut(ActionOutput):
    blocked: CardView
    replacement: CardView


def _find_card(ctx: ActionContext, card_id: int | None) -> m.Card:
    stmt = select(m.Card).where(m.Card.customer_id == ctx.customer.id)
    if card_id is not None:
        card = ctx.session.scalars(stmt.where(m.Card.id == card_id)).one_or_none()
    else:
        usable = ctx.session.scalars(
            stmt.where(m.Card.status.in_((CardStatus.ACTIVE, CardStatus.FROZEN))).order_by(
                m.Card.id
            )
        ).all()
        if len(usable) > 1:
            raise PolicyRefused("There is more than one card; say which one", rule="card_state")
        card = usable[0] if usable else None
    if card is None:
        raise NotFound("There is no such card on this account", rule="own_data_only")
    return card


@action(rule="card_state")
def freeze_card(ctx: ActionContext, inp: CardIn) -> CardOut:
    """Temporarily freeze an active card so no new purchases go through."""
    card = _find_card(ctx, inp.card_id)
    if card.status != CardStatus.ACTIVE:
        raise PolicyRefused(
            f"The card ending {card.last4} is {card.status}, not active", rule="card_state"
        )
    card.status = CardStatus.FROZEN
    return CardOut(card=card_view(card))


@action(rule="card_state")
def unfreeze_card(ctx: ActionContext, inp: CardIn) -> CardOut:
    """Unfreeze a frozen card; a blocked (lost or stolen) card can never be unfrozen."""
    card = _find_card(ctx, inp.card_id)
    if card.status != CardStatus.FROZEN:
        raise PolicyRefused(
            f"The card ending {card.last4} is {card.status}, not frozen", rule="card_state"
        )
    card.status = CardStatus.ACTIVE
    return CardOut(card=card_view(card))


def _replacement_last4(card: m.Card, now: date) -> str:
    digest = hashlib.sha256(f"{card.id}:{now.isoformat()}".encode()).hexdigest()
    last4 = f"{int(digest[:8], 16) % 10000:04d}"
    return last4 if last4 != card.last4 else f"{(int(last4) + 1) % 10000:04d}"


@action(rule="card_state")
def report_card_lost_stolen(ctx: ActionContext, inp: LostStolenIn) -> LostStolenOut:
    """Block a lost or stolen card for good and order a replacement of the same kind."""
    card = _find_card(ctx, inp.card_id)
    if card.status not in (CardStatus.ACTIVE, CardStatus.FROZEN):
        raise PolicyRefused(
            f"The card ending {card.last4} is already {card.status}", rule="card_state"
        )
    card.status = CardStatus.BLOCKED
    card.block_reason = inp.reason.value
    today = ctx.today
    new = m.Card(
        customer_id=ctx.customer.id,
        kind=card.kind,
        last4=_replacement_last4(card, today),
        status=CardStatus.ACTIVE if card.kind == CardKind.VIRTUAL else CardStatus.ORDERED,
        expires_on=date(today.year + 4, today.month, 1),
        replaces_card_id=card.id,
        created_at=ctx.now,
    )
    ctx.session.add(new)
    ctx.session.flush()
    return LostStolenOut(blocked=card_view(card), replacement=card_view(new))
