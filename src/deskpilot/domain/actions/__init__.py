"""Account actions ("tools"): typed, policy-checked, audited, the only writers."""

from deskpilot.domain.actions import account, cards, disputes, lookups, orders, payments
from deskpilot.domain.actions._registry import REGISTRY, ActionSpec, Actor
from deskpilot.domain.actions._service import AccountService

del account, cards, disputes, lookups, orders, payments

__all__ = ["REGISTRY", "AccountService", "ActionSpec", "Actor"]
