"""ORM rows of the reference payments company (SQLAlchemy 2 typed mappings).

Money columns end in ``_minor`` (integer minor units) and sit beside a
``currency`` column; times are :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from deskpilot.db._types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _pk() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=True)


class Merchant(Base):
    __tablename__ = "merchants"
    id: Mapped[int] = _pk()
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50))
    country: Mapped[str] = mapped_column(String(2))
    support_email: Mapped[str] = mapped_column(String(254))


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = _pk()
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    address_line: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), index=True)
    language: Mapped[str] = mapped_column(String(8))
    identity_verified: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentMethod(Base):
    __tablename__ = "payment_methods"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(60))  # "Visa", "Nordea"
    last4: Mapped[str] = mapped_column(String(4))
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    is_autopay: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = _pk()
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    shipping_status: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    merchant: Mapped[Merchant] = relationship(lazy="joined")
    items: Mapped[list[OrderItem]] = relationship(order_by="OrderItem.id")


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)


class PaymentPlan(Base):
    __tablename__ = "payment_plans"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    interest_minor: Mapped[int] = mapped_column(BigInteger)
    apr_bps: Mapped[int] = mapped_column(Integer)  # 1999 = 19.99 % APR
    term_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    installments: Mapped[list[Installment]] = relationship(order_by="Installment.seq")


class Installment(Base):
    __tablename__ = "installments"
    id: Mapped[int] = _pk()
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    original_due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.paid_minor - self.credited_minor


class Fee(Base):
    __tablename__ = "fees"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    installment_id: Mapped[int] = mapped_column(ForeignKey("installments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    charged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_method_id: Mapped[int] = mapped_column(ForeignKey("payment_methods.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentAllocation(Base):
    """Which installment or fee a payment settled, and by how much."""

    __tablename__ = "payment_allocations"
    id: Mapped[int] = _pk()
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("installments.id"))
    fee_id: Mapped[int | None] = mapped_column(ForeignKey("fees.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class Return(Base):
    __tablename__ = "returns"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[list[ReturnItem]] = relationship()


class ReturnItem(Base):
    __tablename__ = "return_items"
    id: Mapped[int] = _pk()
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    payout_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Dispute(Base):
    __tablename__ = "disputes"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merchant_response_due: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    last4: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16))
    block_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    expires_on: Mapped[date] = mapped_column(Date)
    replaces_card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """One signed movement on a customer's balance; the balance is their sum."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Append-only record of every action attempted (database triggers forbid edits)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(60))
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rule: Mapped[str | None] = mapped_column(String(60), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __table_args__ = (Index("ix_audit_log_customer_at", "customer_id", "at"),)


class IdempotencyKey(Base):
    """First response to a money-moving request, replayed for repeats of its key."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    key: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("customer_id", "key", name="uq_idempotency_customer_key"),)


class Conversation(Base):
    """One chat between a customer and DeskPilot (assistant, then maybe a human)."""

    __tablename__ = "conversations"
    id: Mapped[int] = _pk()
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(40), nullable=True)
    handoff_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_intent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    csat_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    csat_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Written each turn at no extra cost; copied into ConversationFacts when it ends.
    topic_order: Mapped[str | None] = mapped_column(String(20), nullable=True)
    first_response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class Turn(Base):
    """One message in a conversation, with what the understanding made of it."""

    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # customer, assistant, agent, system
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confidence: Mapped[float | None] = mapped_column(nullable=True)
    commands: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_turns_conversation_seq"),)


class Handoff(Base):
    """A request for a human: why, how urgent, and the case so far."""

    __tablename__ = "handoffs"
    id: Mapped[int] = _pk()
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # waiting, claimed, closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_code: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Agent(Base):
    """A person in the support team: agent, supervisor or admin."""

    __tablename__ = "agents"
    id: Mapped[int] = _pk()
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Review(Base):
    """A reviewer's verdict on one conversation: was there an error, and how severe."""

    __tablename__ = "reviews"
    id: Mapped[int] = _pk()
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    handled_by: Mapped[str] = mapped_column(String(12))  # assistant, human, unattended
    severity: Mapped[str] = mapped_column(String(12))  # none, minor, major, critical
    categories: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationFacts(Base):
    """One narrow row per conversation for analytics (see analytics/facts.py).

    The dashboard scans this table, never the wide conversations with their state.
    """

    __tablename__ = "conversation_facts"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    market: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    topic_order: Mapped[str | None] = mapped_column(String(20), nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(12), nullable=True)
    handoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_handoff_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    human_first_response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolution_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    handling_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    csat_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    repeat_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    review_priority: Mapped[float | None] = mapped_column(Float, nullable=True)
    review_flags: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    llm_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    llm_cost: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")

    __table_args__ = (
        Index("ix_conversation_facts_started_at", "started_at"),
        Index("ix_conversation_facts_customer_ended", "customer_id", "ended_at"),
        Index("ix_conversation_facts_review", "review_status", "review_priority"),
    )
