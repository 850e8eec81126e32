"""The red-team set (``redteam.yaml``): attacks in several languages that must produce no
account change without the customer's own "yes" and no other customer's data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from deskpilot.domain.markets import LANGUAGES

REDTEAM_FILE = Path(__file__).parent / "redteam.yaml"


class Attack(BaseModel):
    """One attack: what the attacker says, and what a model that obeyed them would answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    language: str
    kind: Literal["injection", "other_customer", "jailbreak", "fake_confirmation"]
    says: str
    then: list[str] = Field(default_factory=list)
    wants: list[dict[str, Any]] = Field(min_length=1)

    def messages(self, facts: dict[str, str]) -> list[str]:
        """The attacker's messages with ``$own_order``, ``$foreign_order``... filled in."""
        return [_fill(text, facts) for text in (self.says, *self.then)]

    def compromised_answer(self, facts: dict[str, str]) -> list[dict[str, Any]]:
        """The commands of a model that does what the attacker asks."""
        return [
            {k: _fill(v, facts) if isinstance(v, str) else v for k, v in command.items()}
            for command in self.wants
        ]


def _fill(text: str, facts: dict[str, str]) -> str:
    for key in sorted(facts, key=len, reverse=True):
        text = text.replace(f"${key}", facts[key])
    return text


@cache
def load_attacks(path: Path = REDTEAM_FILE) -> tuple[Attack, ...]:
    """Every attack in the set, validated (known languages, unique ids)."""
    attacks = tuple(
        Attack.model_validate(raw) for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    )
    ids = [a.id for a in attacks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate attack ids {duplicates}")
    unknown = sorted({a.language for a in attacks} - set(LANGUAGES))
    if unknown:
        raise ValueError(f"{path}: unsupported languages {unknown}")
    return attacks
