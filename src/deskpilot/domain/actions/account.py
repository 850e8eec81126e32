"""Account actions: contact details, documents, closing the account, tickets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import Field, model_validator
from sqlalchemy import select

from deskpilot.db import models as m
from deskpilot.domain.actions._common import account_currency, balance_minor, find_order
from deskpilot.domain.actions._registry import ActionContext, ActionInput, ActionOutput, action
from deskpilot.domain.actions.disputes import OPEN_DISPUTE
from deskpilot.domain.actions.views import Amount, amount
from deskpilot.domain.enums import (
    CardStatus,
    CustomerStatus,
    RefundStatus,
    TicketPriority,
    TicketStatus,
)
from deskpilot.domain.money import Money
from deskpilot.errors import InvalidInput, PolicyRefused

_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


class UpdateContactIn(ActionInput):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address_line: str | None = Field(default=None, min_length=3, max_length=200)
    postal_code: str | None = Field(default=None, min_length=2, max_length=20)
    city: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _something(self) -> UpdateContactIn:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("give at least one of email, phone, address_line, postal_code, city")
        for v in self.model_dump().values():
            if v is not None and not _PRINTABLE.match(v):
                raise ValueError("contact details cannot contain control characters")
        return self


class ContactOut(ActionOutput):
    email: str
    phone: str
    address_line: str
    postal_code: str
    city: str
    changed: list[str]


class DocumentIn(ActionInput):
    kind: Literal["statement", "receipt"]
    order_reference: str | None = Field(
        default=None, max_length=40, description="Required for a receipt"
    )
    month: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="YYYY-MM for a statement; default this month",
    )


class DocumentLine(ActionOutput):
    """One line of a document: an item bought (receipt) or a movement (statement)."""

    line: Literal["item", "movement"]
    amount: Amount
    name: str | None = None  # item
    quantity: int | None = None  # item
    booked_on: date | None = None  # movement
    kind: str | None = None  # movement: a LedgerKind


class DocumentOut(ActionOutput):
    """A document as plain text (``content``) and as data, so a reply can word it in the
    customer's language."""

    title: str
    filename: str
    media_type: str
    content: str
    kind: Literal["receipt", "statement"]
    lines: list[DocumentLine]
    reference: str | None = None  # receipt
    merchant: str | None = None  # receipt
    purchased_on: date | None = None  # receipt
    total: Amount | None = None  # receipt
    month_start: date | None = None  # statement
    balance: Amount | None = None  # statement


class CloseAccountIn(ActionInput):
    confirm: Literal[True]


class CloseAccountOut(ActionOutput):
    status: str
    closed_at: datetime


class TicketIn(ActionInput):
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    priority: TicketPriority = TicketPriority.NORMAL


class TicketOut(ActionOutput):
    ticket_id: int
    status: str
    priority: str


def _normalise_email(raw: str) -> str:
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"{raw!r} is not a valid email address: {exc}") from None


def _normalise_phone(raw: str, country: str) -> str:
    try:
        num = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(num):
        raise InvalidInput(f"{raw!r} is not a valid phone number")
    if phonenumbers.region_code_for_number(num) != country:
        raise PolicyRefused(f"The phone number must be a {country} number", rule="contact_details")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


@action(rule="verified_identity")
def update_contact_details(ctx: ActionContext, inp: UpdateContactIn) -> ContactOut:
    """Change the customer's email, phone number or postal address (identity must be
    verified)."""
    c = ctx.customer
    if not c.identity_verified:
        raise PolicyRefused(
            "Please verify your identity before changing contact details", rule="verified_identity"
        )
    changes: dict[str, str] = {}
    if inp.email is not None:
        changes["email"] = _normalise_email(inp.email)
    if inp.phone is not None:
        changes["phone"] = _normalise_phone(inp.phone, c.country)
    for name in ("address_line", "postal_code", "city"):
        value = getattr(inp, name)
        if value is not None:
            changes[name] = value
    changed = [k for k, v in changes.items() if getattr(c, k) != v]
    for k, v in changes.items():
        setattr(c, k, v)
    return ContactOut(
        email=c.email,
        phone=c.phone,
        address_line=c.address_line,
        postal_code=c.postal_code,
        city=c.city,
        changed=changed,
    )


def _receipt(ctx: ActionContext, reference: str) -> DocumentOut:
    order = find_order(ctx, reference)
    lines = [
        f"Receipt for order {order.reference}",
        f"Merchant: {order.merchant.name}",
        f"Date: {order.purchased_at.date().isoformat()}",
        "",
    ]
    items = []
    for item in order.items:
        price = Money(item.unit_price_minor * item.quantity, order.currency)
        lines.append(f"{item.quantity} x {item.name}  {price.format()}")
        items.append(
            DocumentLine(
                line="item",
                name=item.name,
                quantity=item.quantity,
                amount=amount(price.minor, order.currency),
            )
        )
    lines += ["", f"Total: {Money(order.total_minor, order.currency).format()}"]
    return DocumentOut(
        title=f"Receipt {order.reference}",
        filename=f"receipt-{order.reference}.txt",
        media_type="text/plain",
        content="\n".join(lines),
        kind="receipt",
        lines=items,
        reference=order.reference,
        merchant=order.merchant.name,
        purchased_on=order.purchased_at.date(),
        total=amount(order.total_minor, order.currency),
    )


def _statement(ctx: ActionContext, month: str | None) -> DocumentOut:
    month = month or ctx.today.strftime("%Y-%m")
    year, mon = (int(x) for x in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    rows = ctx.session.scalars(
        select(m.LedgerEntry)
        .where(
            m.LedgerEntry.customer_id == ctx.customer.id,
            m.LedgerEntry.created_at >= start,
            m.LedgerEntry.created_at < end,
        )
        .order_by(m.LedgerEntry.created_at, m.LedgerEntry.id)
    ).all()
    cur = account_currency(ctx)
    c = ctx.customer
    lines = [f"Statement {month}", f"{c.first_name} {c.last_name}", ""]
    lines += [
        f"{e.created_at.date().isoformat()}  {e.kind:<14} {Money(e.amount_minor, cur).format()}"
        for e in rows
    ] or ["No movements this month."]
    balance = balance_minor(ctx)
    lines += ["", f"Balance today: {Money(balance, cur).format()}"]
    return DocumentOut(
        title=f"Statement {month}",
        filename=f"statement-{month}.txt",
        media_type="text/plain",
        content="\n".join(lines),
        kind="statement",
        lines=[
            DocumentLine(
                line="movement",
                booked_on=e.created_at.date(),
                kind=e.kind,
                amount=amount(e.amount_minor, cur),
            )
            for e in rows
        ],
        month_start=start.date(),
        balance=amount(balance, cur),
    )


@action(rule="lookup", on_closed_account=True)
def request_document(ctx: ActionContext, inp: DocumentIn) -> DocumentOut:
    """Produce a monthly statement or an order receipt as a document."""
    if inp.kind == "receipt":
        if not inp.order_reference:
            raise InvalidInput("A receipt needs the order reference")
        return _receipt(ctx, inp.order_reference)
    if inp.month and date.fromisoformat(inp.month + "-01") > ctx.today:
        raise InvalidInput("A statement can only cover a month that has started")
    return _statement(ctx, inp.month)


@action(rule="close_zero_balance")
def close_account(ctx: ActionContext, inp: CloseAccountIn) -> CloseAccountOut:
    """Close the customer's account; only with a zero balance, no open dispute and no
    refund on its way."""
    balance = balance_minor(ctx)
    if balance != 0:
        money = Money(balance, account_currency(ctx)).format()
        raise PolicyRefused(
            f"The balance is {money}; it must be zero to close the account",
            rule="close_zero_balance",
        )
    cid = ctx.customer.id
    if ctx.session.scalars(
        select(m.Dispute.id).where(m.Dispute.customer_id == cid, m.Dispute.status.in_(OPEN_DISPUTE))
    ).first():
        raise PolicyRefused("A dispute is still open", rule="close_zero_balance")
    if ctx.session.scalars(
        select(m.Refund.id).where(
            m.Refund.customer_id == cid, m.Refund.status == RefundStatus.PENDING
        )
    ).first():
        raise PolicyRefused("A refund is still on its way", rule="close_zero_balance")
    for card in ctx.session.scalars(select(m.Card).where(m.Card.customer_id == cid)):
        if card.status != CardStatus.BLOCKED:
            card.status = CardStatus.BLOCKED
            card.block_reason = "account_closed"
    ctx.customer.status = CustomerStatus.CLOSED
    return CloseAccountOut(status=ctx.customer.status, closed_at=ctx.now)


@action(rule="ticket", on_closed_account=True)
def create_ticket(ctx: ActionContext, inp: TicketIn) -> TicketOut:
    """Open a ticket for a human agent to follow up."""
    t = m.Ticket(
        customer_id=ctx.customer.id,
        subject=inp.subject,
        description=inp.description,
        priority=inp.priority.value,
        status=TicketStatus.OPEN,
        created_by=ctx.actor.id,
        created_at=ctx.now,
    )
    ctx.session.add(t)
    ctx.session.flush()
    return TicketOut(ticket_id=t.id, status=t.status, priority=t.priority)
