"""Tokens and passwords: signed, expiring tokens for one customer or one agent.

The company's app hands the chat widget a customer token; agents log in with a
password (scrypt-hashed) and get an agent token carrying their role.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt

from deskpilot.errors import PermissionDenied

Role = Literal["agent", "supervisor", "admin"]
_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token speaks for."""

    kind: Literal["customer", "agent"]
    id: int
    role: str = "customer"


def issue_token(
    secret: str,
    kind: Literal["customer", "agent"],
    subject_id: int,
    now: datetime,
    minutes: int,
    role: str = "customer",
) -> str:
    claims = {
        "sub": str(subject_id),
        "kind": kind,
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_token(secret: str, token: str, kind: Literal["customer", "agent"]) -> Principal:
    """The principal of a valid, unexpired token of the given kind; PermissionDenied else."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "kind"]}
        )
    except jwt.ExpiredSignatureError:
        raise PermissionDenied("The session has expired; please sign in again") from None
    except jwt.PyJWTError:
        raise PermissionDenied("Invalid credentials") from None
    if claims.get("kind") != kind or not str(claims.get("sub", "")).isdigit():
        raise PermissionDenied("Invalid credentials")
    return Principal(kind=kind, id=int(claims["sub"]), role=str(claims.get("role", kind)))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(digest.hex(), digest_hex)
