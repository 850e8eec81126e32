"""The written business rules that guard every account action.

This is the one place the rules live. Each rule has a stable id; actions cite
the id in every refusal (``PolicyRefused(rule=...)``) and the audit log stores
it beside every allowed or refused action, so a reviewer can always answer
"which rule let this happen?". Numbers that operators tune sit next to the rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """One business rule: a stable id, a short title and the full text."""

    id: str
    title: str
    text: str


RETURN_WINDOW_DAYS = 30
RETURN_PAUSE_DAYS = 30
EXTENSION_MAX_DAYS = 30
FEE_WAIVER_PERIOD_DAYS = 365
DISPUTE_WINDOW_DAYS = 120
DISPUTE_MERCHANT_RESPONSE_DAYS = 14
REFUND_PAYOUT_DAYS = 5

RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        Rule(
            "own_data_only",
            "Own data only",
            "A customer, and the assistant acting for them, can see and change only that "
            "customer's own account. Anything else is reported as not found, so nobody "
            "learns whether another customer's order exists.",
        ),
        Rule(
            "actor_role",
            "Who may do what",
            "Refunds are issued by human agents or the merchant's systems, never by the "
            "assistant or the customer alone. Everything else the assistant may do on the "
            "customer's behalf.",
        ),
        Rule(
            "account_open",
            "Open account",
            "A closed or suspended account can be looked at and can raise tickets, but no "
            "other action runs on it.",
        ),
        Rule(
            "verified_identity",
            "Verified identity for sensitive changes",
            "Contact details (email, phone, address) and payment methods can only be changed "
            "once the customer's identity is verified.",
        ),
        Rule(
            "return_window",
            "Return window",
            f"A return can be reported for a delivered order within {RETURN_WINDOW_DAYS} days "
            "of delivery, for items not already returned.",
        ),
        Rule(
            "return_pauses_payments",
            "Returns pause payments",
            "When a return is reported, the order's unpaid installments are paused for "
            f"{RETURN_PAUSE_DAYS} days while the merchant processes it; no late fees accrue "
            "on paused installments.",
        ),
        Rule(
            "cancel_before_shipping",
            "Cancel before shipping",
            "An order can be cancelled only while it has not shipped. Cancelling cancels the "
            "remaining installments and pays back what was already paid.",
        ),
        Rule(
            "extension_limits",
            "Due date extensions",
            f"An unpaid installment's due date can be extended once, by at most "
            f"{EXTENSION_MAX_DAYS} days. Paid, paused or cancelled installments cannot be "
            "extended.",
        ),
        Rule(
            "payment_outstanding",
            "Pay what is owed",
            "A payment settles exactly what is outstanding; there is nothing to pay on an "
            "installment or plan that is settled.",
        ),
        Rule(
            "payment_method_usable",
            "Usable payment method",
            "Payments and autopay use an active, unexpired payment method on the customer's "
            "own account.",
        ),
        Rule(
            "fee_waiver_limit",
            "Late fee waivers",
            f"At most one late fee is waived per customer in any {FEE_WAIVER_PERIOD_DAYS} "
            "days, and only a fee that is still unpaid.",
        ),
        Rule(
            "dispute_window",
            "Dispute window",
            f"A dispute can be opened within {DISPUTE_WINDOW_DAYS} days of purchase, one open "
            "dispute per order. While it is open the order's payments are paused and the "
            f"merchant has {DISPUTE_MERCHANT_RESPONSE_DAYS} days to respond.",
        ),
        Rule(
            "card_state",
            "Card states",
            "Only an active card can be frozen and only a frozen card unfrozen. A card reported "
            "lost or stolen is blocked for good and a replacement of the same kind is ordered.",
        ),
        Rule(
            "refund_limit",
            "Refund limit",
            "A refund never exceeds what the customer was charged for the order less earlier "
            "refunds. It first reduces what is still owed; only the rest is paid back to the "
            f"customer's payment method (within {REFUND_PAYOUT_DAYS} days), and that never "
            "exceeds what the customer actually paid.",
        ),
        Rule(
            "close_zero_balance",
            "Closing an account",
            "An account can be closed only with a zero balance, no open dispute and no refund "
            "still on its way.",
        ),
        Rule(
            "currency_match",
            "Account currency",
            "Amounts are given in the currency of the customer's market.",
        ),
        Rule(
            "idempotency",
            "Idempotent money movements",
            "Every money-moving request carries an idempotency key; repeating a request with "
            "the same key returns the first result and never moves money twice. Reusing a key "
            "for a different request is refused.",
        ),
        Rule(
            "lookup",
            "Look-ups",
            "Customers and those helping them may read the customer's own account data.",
        ),
        Rule(
            "ticket",
            "Tickets",
            "Any customer may ask for a human; a ticket is always accepted.",
        ),
        Rule(
            "contact_details",
            "Contact details",
            "Email addresses and phone numbers must be valid; the phone number must belong "
            "to the customer's market. The market itself cannot be changed in a chat.",
        ),
    ]
}


def rule(rule_id: str) -> Rule:
    """Look up a rule by id; KeyError for an unknown id (a programming error)."""
    return RULES[rule_id]


def rules_markdown() -> str:
    """All rules as a Markdown document (for the README and the help centre)."""
    lines = ["# Account action policies", ""]
    for r in RULES.values():
        lines += [f"## {r.title} (`{r.id}`)", "", r.text, ""]
    return "\n".join(lines)
