"""The states and kinds the domain knows; stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ActorKind(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"
    AGENT = "agent"
    SYSTEM = "system"


class OrderStatus(StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class ShippingStatus(StrEnum):
    PROCESSING = "processing"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RETURNED = "returned"
    NOT_APPLICABLE = "not_applicable"


class PlanKind(StrEnum):
    PAY_IN_4 = "pay_in_4"
    PAY_IN_30 = "pay_in_30"
    FINANCING = "financing"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InstallmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    PAID = "paid"
    OVERDUE = "overdue"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class FeeStatus(StrEnum):
    CHARGED = "charged"
    PAID = "paid"
    WAIVED = "waived"


class PaymentMethodKind(StrEnum):
    CARD = "card"
    BANK_ACCOUNT = "bank_account"


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ReturnStatus(StrEnum):
    REGISTERED = "registered"
    RECEIVED = "received"
    REJECTED = "rejected"


class RefundStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class DisputeReason(StrEnum):
    ITEM_NOT_RECEIVED = "item_not_received"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    UNAUTHORISED = "unauthorised"


class DisputeStatus(StrEnum):
    OPEN = "open"
    AWAITING_MERCHANT = "awaiting_merchant"
    RESOLVED_CUSTOMER = "resolved_customer"
    RESOLVED_MERCHANT = "resolved_merchant"


class CardKind(StrEnum):
    VIRTUAL = "virtual"
    PHYSICAL = "physical"


class CardStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    BLOCKED = "blocked"
    ORDERED = "ordered"


class CardBlockReason(StrEnum):
    LOST = "lost"
    STOLEN = "stolen"


class LedgerKind(StrEnum):
    """Signed movements on a customer's balance (positive = customer owes more)."""

    PURCHASE = "purchase"  # +: installment principal and interest
    LATE_FEE = "late_fee"  # +
    FEE_WAIVER = "fee_waiver"  # -
    PAYMENT = "payment"  # -: money the customer paid us
    REFUND_CREDIT = "refund_credit"  # -: merchant refund reducing what is owed
    CANCELLATION = "cancellation"  # -: order cancelled before shipping
    PAYOUT = "payout"  # +: money we paid back to the customer's method


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AuditOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    ERROR = "error"
