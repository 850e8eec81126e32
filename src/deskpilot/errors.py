"""DeskPilot's exception tree.

Every error a caller can see derives from :class:`DeskPilotError` and carries a
stable ``code`` (used by the API and CLI) and, where a business rule decided,
the ``rule`` id from :mod:`deskpilot.domain.policies`.

- ``InvalidInput``    the request itself is malformed (negative amount, bad email...)
- ``NotFound``        the thing does not exist *on this customer's account*
- ``PermissionDenied``  the actor may not do this at all (wrong role)
- ``PolicyRefused``   a written business rule forbids the action
- ``Conflict``        the request clashes with concurrent or earlier requests
- ``LLMUnavailable``  the optional language model could not be used
"""

from __future__ import annotations


class DeskPilotError(Exception):
    """Root of every error DeskPilot raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule

    def to_dict(self) -> dict[str, str | None]:
        """A client-safe representation: stable code, message and rule."""
        return {"code": self.code, "message": self.message, "rule": self.rule}


class InvalidInput(DeskPilotError):
    """The input is malformed or out of range."""

    code = "invalid_input"


class NotFound(DeskPilotError):
    """The object does not exist, or does not belong to the acting customer."""

    code = "not_found"


class PermissionDenied(DeskPilotError):
    """The actor's role does not allow this action."""

    code = "permission_denied"


class PolicyRefused(DeskPilotError):
    """A written business rule refuses the action; ``rule`` names it."""

    code = "policy_refused"

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message, rule=rule)


class Conflict(DeskPilotError):
    """The request conflicts with another one (e.g. a reused idempotency key)."""

    code = "conflict"


class LLMUnavailable(DeskPilotError):
    """The configured language model could not be reached or answered badly."""

    code = "llm_unavailable"
