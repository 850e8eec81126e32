"""Settings, read once from ``DESKPILOT_*`` environment variables and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "deskpilot-demo-secret-not-for-production"


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="DESKPILOT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///deskpilot.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... to scale out",
    )
    demo_mode: bool = Field(default=True, description="Allow demo conveniences and demo data")
    sql_echo: bool = False
    secret_key: SecretStr = Field(
        default=SecretStr(DEMO_SECRET),
        description="Signs customer and agent tokens; must be set outside demo mode",
    )
    customer_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    agent_token_minutes: int = Field(default=8 * 60, ge=1, le=24 * 60)
    max_message_chars: int = Field(default=2000, ge=10, le=20000)
    messages_per_minute: int = Field(default=30, ge=1, description="Per customer")
    redis_url: str | None = Field(
        default=None, description="redis://127.0.0.1:6379/0 to let several workers cooperate"
    )
    workers: int = Field(default=1, ge=1, le=64, description="Web worker processes")
    host: str = "127.0.0.1"
    port: int = 8000
    model_dir: Path = Field(
        default=Path(".deskpilot/models"),
        description="Where trained intent models are cached",
    )
    review_sample_rate: float = Field(
        default=0.1, ge=0, le=1, description="Share of unflagged conversations sampled for review"
    )
    productive_hours_per_agent_month: float = Field(
        default=140.0, gt=0, description="Hours a full-time agent spends on contacts per month"
    )
    cost_per_human_contact: float = Field(
        default=6.0, ge=0, description="What a contact handled by a person costs (currency below)"
    )
    cost_per_assistant_conversation: float = Field(
        default=0.25, ge=0, description="What a conversation the assistant resolves costs"
    )
    cost_currency: str = Field(default="EUR", min_length=3, max_length=3)
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint ending in /v1; unset = embedded understanding only",
    )
    llm_model: str = Field(default="default", description="Model name sent with each request")
    llm_schema_style: Literal["json_schema", "json_object"] = Field(
        default="json_schema",
        description="How structured output is asked for: OpenAI's json_schema, or "
        "json_object with a schema (llama-cpp-python's server)",
    )
    llm_api_key: SecretStr | None = Field(default=None, description="Sent as a Bearer token")
    llm_timeout_seconds: float = Field(default=20.0, gt=0, description="Per request attempt")
    llm_retries: int = Field(default=2, ge=0, le=10, description="Extra attempts after a failure")
    llm_backoff_seconds: float = Field(
        default=0.5, ge=0, description="First pause between attempts; doubles each time"
    )
    llm_breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failed calls that open the circuit breaker"
    )
    llm_breaker_cooldown_seconds: float = Field(
        default=30.0, ge=0, description="How long an open breaker refuses calls before a trial"
    )
    llm_price_per_1k_prompt: float = Field(default=0.0, ge=0, description="In cost_currency")
    llm_price_per_1k_completion: float = Field(default=0.0, ge=0, description="In cost_currency")
    llm_conversation_budget_tokens: int = Field(
        default=20000, ge=0, description="Tokens one conversation may spend on the model"
    )
    llm_wording: bool = Field(
        default=False, description="Let the model rephrase template responses (checked)"
    )

    @model_validator(mode="after")
    def _no_demo_secret_in_production(self) -> Settings:
        if not self.demo_mode and self.secret_key.get_secret_value() == DEMO_SECRET:
            raise ValueError(
                "set DESKPILOT_SECRET_KEY: the demo secret is refused outside demo mode"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
