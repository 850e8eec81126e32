"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=20000)


class RatingIn(_In):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class ActionIn(_In):
    action: str = Field(min_length=1, max_length=60)
    args: dict[str, Any] = Field(default_factory=dict)


class CloseIn(_In):
    resolution_code: str = Field(min_length=1, max_length=40)


class ReplyOut(BaseModel):
    conversation_id: str
    messages: list[str]
    language: str
    status: str
    awaiting: str | None = None
    handoff: str | None = None
    actions: list[str] = Field(default_factory=list)


class TokenOut(BaseModel):
    token: str
    role: str
    display_name: str


class ErrorOut(BaseModel):
    code: str
    message: str
    rule: str | None = None


class ReviewIn(_In):
    conversation_id: str = Field(min_length=1, max_length=36)
    severity: str = Field(min_length=1, max_length=12)
    categories: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=4000)
