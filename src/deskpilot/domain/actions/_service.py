"""Runs account actions: validation, permissions, transaction, idempotency, audit."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskpilot.clock import Clock, SystemClock
from deskpilot.db.engine import Database
from deskpilot.db.models import AuditEntry, Customer, IdempotencyKey
from deskpilot.domain.actions._registry import REGISTRY, ActionContext, ActionSpec, Actor
from deskpilot.domain.enums import AuditOutcome, CustomerStatus
from deskpilot.errors import (
    Conflict,
    DeskPilotError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyRefused,
)

_MAX_AUDIT_STRING = 500


class AccountService:
    """The only way account data changes: ``run(action, actor, input)``.

    Each call runs in one transaction with the customer row locked, records an
    audit entry (also for refusals), and replays the stored result when a
    money-moving request repeats its idempotency key.
    """

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def run(self, name: str, actor: Actor, payload: BaseModel | dict[str, Any]) -> BaseModel:
        """Run action ``name`` for ``actor`` with ``payload``; raise a DeskPilotError."""
        raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        spec = REGISTRY.get(name)
        try:
            if spec is None:
                raise InvalidInput(f"Unknown action {name!r}")
            inp = _validate(spec, raw)
            if actor.kind not in spec.actors:
                raise PermissionDenied(
                    f"A {actor.kind.value} may not run {name}", rule="actor_role"
                )
            return self._run_in_transaction(spec, actor, inp, raw)
        except DeskPilotError as exc:
            self._audit_failure(name, actor, raw, exc)
            raise

    def check(self, name: str, actor: Actor, payload: dict[str, Any]) -> DeskPilotError | None:
        """Would this action be allowed? Runs it and rolls everything back (a preflight).

        Lets a flow tell the customer about a refusal before asking them to confirm.
        Nothing is written, not even an audit entry.
        """
        spec = REGISTRY.get(name)
        if spec is None:
            return InvalidInput(f"Unknown action {name!r}")
        try:
            inp = _validate(spec, payload)
            if actor.kind not in spec.actors:
                raise PermissionDenied(
                    f"A {actor.kind.value} may not run {name}", rule="actor_role"
                )
            with self.db.session() as session:
                session.begin()
                try:
                    customer = _lock_customer(session, actor.customer_id, lock=True)
                    if (
                        customer.status != CustomerStatus.ACTIVE
                        and not spec.works_on_closed_account
                    ):
                        raise PolicyRefused(
                            f"The account is {customer.status}", rule="account_open"
                        )
                    spec.fn(ActionContext(session, actor, customer, self.clock.now()), inp)
                    session.flush()
                finally:
                    session.rollback()
        except DeskPilotError as exc:
            return exc
        return None

    def _run_in_transaction(
        self, spec: ActionSpec, actor: Actor, inp: BaseModel, raw: dict[str, Any]
    ) -> BaseModel:
        for attempt in range(2):
            try:
                with self.db.transaction() as session:
                    if spec.is_lookup and self.db.dialect == "postgresql":
                        # A look-up only appends its audit row: no need to wait for the
                        # WAL flush (at worst a crash loses the last few look-up entries).
                        session.execute(text("SET LOCAL synchronous_commit = off"))
                    return self._execute(session, spec, actor, inp, raw)
            except IntegrityError:
                # A concurrent request with the same idempotency key committed first:
                # the retry finds its stored result and replays it.
                if attempt == 1 or not spec.moves_money:
                    raise
        raise AssertionError("unreachable")

    def _execute(
        self, session: Session, spec: ActionSpec, actor: Actor, inp: BaseModel, raw: dict[str, Any]
    ) -> BaseModel:
        customer = _lock_customer(session, actor.customer_id, lock=not spec.is_lookup)
        if customer.status != CustomerStatus.ACTIVE and not spec.works_on_closed_account:
            raise PolicyRefused(f"The account is {customer.status}", rule="account_open")
        request_hash = _hash(spec.name, inp.model_dump(mode="json"))
        key = getattr(inp, "idempotency_key", None) if spec.moves_money else None
        if key is not None:
            replay = _stored_result(session, spec, customer.id, key, request_hash)
            if replay is not None:
                self._audit(
                    session,
                    spec.name,
                    actor,
                    raw,
                    AuditOutcome.OK,
                    replay,
                    spec.rule,
                    extra={"replayed": True},
                )
                return spec.output_model.model_validate(replay["result"])
        now = self.clock.now()
        out = spec.fn(ActionContext(session, actor, customer, now), inp)
        result = out.model_dump(mode="json")
        if key is not None:
            session.add(
                IdempotencyKey(
                    customer_id=customer.id,
                    key=key,
                    action=spec.name,
                    request_hash=request_hash,
                    response={"result": result},
                    created_at=now,
                )
            )
            session.flush()
        self._audit(
            session,
            spec.name,
            actor,
            raw,
            AuditOutcome.OK,
            None if spec.is_lookup else result,
            spec.rule,
        )
        return out

    def _audit(
        self,
        session: Session,
        name: str,
        actor: Actor,
        raw: dict[str, Any],
        outcome: AuditOutcome,
        result: dict[str, Any] | None,
        rule: str | None,
        *,
        error_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if extra:
            result = {**(result or {}), **extra}
        session.add(
            AuditEntry(
                at=self.clock.now(),
                actor_kind=actor.kind.value,
                actor_id=actor.id,
                customer_id=actor.customer_id,
                action=name[:60],
                arguments=_clip(raw),
                outcome=outcome.value,
                result=result,
                rule=rule,
                error_code=error_code,
            )
        )

    def _audit_failure(
        self, name: str, actor: Actor, raw: dict[str, Any], exc: DeskPilotError
    ) -> None:
        outcome = (
            AuditOutcome.REFUSED
            if isinstance(exc, PolicyRefused | PermissionDenied | NotFound | Conflict)
            else AuditOutcome.ERROR
        )
        with self.db.transaction() as session:
            self._audit(
                session,
                name,
                actor,
                raw,
                outcome,
                {"message": exc.message[:_MAX_AUDIT_STRING]},
                exc.rule,
                error_code=exc.code,
            )


def _validate(spec: ActionSpec, raw: Any) -> BaseModel:
    if not isinstance(raw, dict):
        raise InvalidInput("Action input must be a JSON object")
    try:
        return spec.input_model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise InvalidInput(f"Invalid input for {spec.name}: {problems}") from None


def _lock_customer(session: Session, customer_id: int, *, lock: bool) -> Customer:
    stmt = select(Customer).where(Customer.id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    customer = session.scalars(stmt).one_or_none()
    if customer is None:
        raise NotFound(f"No customer {customer_id}", rule="own_data_only")
    return customer


def _stored_result(
    session: Session, spec: ActionSpec, customer_id: int, key: str, request_hash: str
) -> dict[str, Any] | None:
    row = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.customer_id == customer_id, IdempotencyKey.key == key
        )
    ).one_or_none()
    if row is None:
        return None
    if row.request_hash != request_hash or row.action != spec.name:
        raise Conflict(
            "This idempotency key was already used for a different request", rule="idempotency"
        )
    return row.response


def _hash(name: str, raw: dict[str, Any]) -> str:
    body = json.dumps({"action": name, "input": raw}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _clip(value: Any) -> Any:
    """Keep audit arguments small: long strings are cut, deep structures summarised."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_AUDIT_STRING else value[:_MAX_AUDIT_STRING] + "…"
    if isinstance(value, dict):
        return {str(k)[:60]: _clip(v) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        return [_clip(v) for v in value[:50]]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _clip(str(value))
