"""The language-model seam: a ``ChatModel`` Protocol and a client for any endpoint that
speaks the OpenAI chat completions protocol (hosted APIs, vLLM, Ollama, llama.cpp server).

Every failure reaches the caller as :class:`deskpilot.errors.LLMUnavailable`, so the
conversation can fall back to the embedded understanding; no httpx error escapes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from deskpilot.errors import LLMUnavailable
from deskpilot.llm._breaker import CircuitBreaker

if TYPE_CHECKING:
    from deskpilot.config import Settings

_RETRYABLE_STATUS = frozenset({408, 429})
_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Completion:
    """What the model answered, and what it cost in tokens."""

    text: str  # the assistant message content
    prompt_tokens: int
    completion_tokens: int
    model: str


class ChatModel(Protocol):
    """Anything that turns chat messages into one assistant message."""

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion:
        """The assistant's reply; constrained to ``schema`` (a JSON schema) when given.
        Raises ``LLMUnavailable`` on any failure."""
        ...


class _Retryable(Exception):
    """One attempt failed in a way another attempt may fix (timeout, 429, 5xx...)."""


# How a JSON schema for structured output is sent: OpenAI's "json_schema" (OpenAI, vLLM,
# Ollama's OpenAI API) or "json_object" with a "schema" (llama.cpp's Python server).
SCHEMA_STYLES = ("json_schema", "json_object")


class OpenAICompatibleClient:
    """``ChatModel`` over ``POST {base_url}/chat/completions`` (``base_url`` ends in /v1).
    An unusable ``base_url`` raises ``LLMUnavailable`` already here.

    Timeouts, connection errors, 408, 429 and 5xx are retried ``retries`` times with
    exponential backoff (``backoff``, then twice that, ...). A whole call that fails
    counts once towards the circuit breaker.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        breaker: CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
        schema_style: str = "json_schema",
    ) -> None:
        if schema_style not in SCHEMA_STYLES:
            raise ValueError(f"schema_style must be one of {', '.join(SCHEMA_STYLES)}")
        self.schema_style = schema_style
        if retries < 0 or backoff < 0 or timeout <= 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")
        try:
            parts = urlsplit(base_url.strip())
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a port that is not a number, or an unclosed IPv6 bracket
            valid = False
        if not valid:
            raise LLMUnavailable(f"LLM base URL {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.breaker = breaker
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        try:
            self._http = httpx.Client(
                base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
            )
        except httpx.InvalidURL as exc:
            raise LLMUnavailable(f"LLM base URL {base_url!r} is not a valid URL: {exc}") from exc

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def __enter__(self) -> OpenAICompatibleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion:
        """The assistant's reply, or ``LLMUnavailable`` with the reason."""
        body = self._request_body(messages, schema, max_tokens, temperature)
        breaker = self.breaker
        if breaker is not None and not breaker.allow():
            raise LLMUnavailable(
                f"LLM at {self.base_url}: circuit breaker open after repeated failures; "
                f"next trial in {breaker.retry_in():.0f}s"
            )
        succeeded = False
        try:
            completion = self._with_retries(body, messages)
            succeeded = True
            return completion
        finally:
            if breaker is not None:
                if succeeded:
                    breaker.record_success()
                else:
                    breaker.record_failure()

    def _request_body(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if schema is not None:
            name = _SCHEMA_NAME.sub("_", str(schema.get("title") or "response"))[:64]
            if self.schema_style == "json_object":  # llama.cpp's server, among others
                body["response_format"] = {"type": "json_object", "schema": schema}
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": schema, "strict": True},
                }
        return body

    def _with_retries(self, body: dict[str, Any], messages: list[dict[str, str]]) -> Completion:
        attempts = self.retries + 1
        for attempt in range(attempts):
            try:
                return self._attempt(body, messages)
            except _Retryable as exc:
                if attempt + 1 == attempts:
                    raise LLMUnavailable(
                        f"LLM at {self.base_url}: {exc} (gave up after {attempts} attempts)"
                    ) from exc
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, body: dict[str, Any], messages: list[dict[str, str]]) -> Completion:
        try:
            response = self._http.post("/chat/completions", json=body)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except httpx.UnsupportedProtocol as exc:  # a misconfigured URL: retrying cannot help
            raise LLMUnavailable(f"LLM at {self.base_url}: {exc}") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"could not connect ({type(exc).__name__}: {exc})") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise LLMUnavailable(f"LLM at {self.base_url}: request failed: {exc}") from exc
        status = response.status_code
        if status in _RETRYABLE_STATUS or status >= 500:
            raise _Retryable(f"answered HTTP {status}{_error_detail(response)}")
        if status >= 400:
            raise LLMUnavailable(
                f"LLM at {self.base_url} refused the request: HTTP {status}"
                f"{_error_detail(response)}"
            )
        return _parse_completion(response, messages, self.model, self.base_url)


def _error_detail(response: httpx.Response) -> str:
    """The server's own error message, shortened, for a clear LLMUnavailable."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    message = error.get("message") if isinstance(error, dict) else error
    return f": {str(message)[:200]}" if message else ""


def _parse_completion(
    response: httpx.Response, messages: list[dict[str, str]], model: str, base_url: str
) -> Completion:
    try:
        payload = response.json()
    except ValueError as exc:
        raise LLMUnavailable(f"LLM at {base_url} answered a body that is not JSON") from exc
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMUnavailable(
            f"LLM at {base_url} answered without choices[0].message.content"
        ) from exc
    if not isinstance(content, str):
        raise LLMUnavailable(f"LLM at {base_url} answered no text content")
    usage = payload.get("usage")
    prompt_tokens = _token_count(usage, "prompt_tokens")
    completion_tokens = _token_count(usage, "completion_tokens")
    # Some servers omit usage; estimate about four characters per token so that cost
    # and the conversation budget still count something (an estimate, not a measure).
    if prompt_tokens is None:
        prompt_tokens = sum(len(m.get("content", "")) for m in messages) // 4
    if completion_tokens is None:
        completion_tokens = len(content) // 4
    answered_model = payload.get("model")
    return Completion(
        text=content,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        model=answered_model if isinstance(answered_model, str) else model,
    )


def _token_count(usage: object, key: str) -> int | None:
    if not isinstance(usage, dict):
        return None
    value = usage.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def cost(completion: Completion, settings: Settings) -> float:
    """What a completion cost, in the settings' prices per 1,000 prompt/completion tokens."""
    return (
        completion.prompt_tokens * settings.llm_price_per_1k_prompt
        + completion.completion_tokens * settings.llm_price_per_1k_completion
    ) / 1000


def client_from_settings(settings: Settings) -> ChatModel | None:
    """The configured model client, or ``None`` when no ``llm_base_url`` is set (embedded
    understanding only)."""
    base_url = (settings.llm_base_url or "").strip()
    if not base_url:
        return None
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleClient(
        base_url,
        settings.llm_model,
        api_key or None,
        timeout=settings.llm_timeout_seconds,
        retries=settings.llm_retries,
        backoff=settings.llm_backoff_seconds,
        breaker=CircuitBreaker(
            settings.llm_breaker_failures, settings.llm_breaker_cooldown_seconds
        ),
        schema_style=settings.llm_schema_style,
    )
