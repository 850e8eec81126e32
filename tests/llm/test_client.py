"""The OpenAI-compatible client against a real scripted server on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from deskpilot.config import Settings
from deskpilot.errors import LLMUnavailable
from deskpilot.llm import (
    CircuitBreaker,
    Completion,
    OpenAICompatibleClient,
    client_from_settings,
    cost,
)
from tests.llm.scripted_server import ScriptedLLM

MESSAGES = [
    {"role": "system", "content": "You route customer messages."},
    {"role": "user", "content": "Where is my refund?"},
]
SCHEMA: dict[str, Any] = {
    "title": "command",
    "type": "object",
    "properties": {"intent": {"type": "string"}},
    "required": ["intent"],
    "additionalProperties": False,
}


class MovableClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(llm: ScriptedLLM, **overrides: Any) -> OpenAICompatibleClient:
    options: dict[str, Any] = {"timeout": 5.0, "retries": 2, "backoff": 0.01}
    options.update(overrides)
    api_key = options.pop("api_key", None)
    return OpenAICompatibleClient(llm.base_url, "tiny-model", api_key, **options)


def test_that_a_completion_comes_back_with_its_text_and_token_counts() -> None:
    with ScriptedLLM() as llm:
        llm.script('{"intent": "refund_status"}', prompt_tokens=42, completion_tokens=7)
        with make_client(llm, api_key="sk-test-123") as client:
            completion = client.complete(MESSAGES, schema=SCHEMA, max_tokens=64)

        assert completion == Completion('{"intent": "refund_status"}', 42, 7, "tiny-model")
        sent = llm.requests[0]
        assert sent["model"] == "tiny-model"
        assert sent["messages"] == MESSAGES
        assert sent["max_tokens"] == 64
        assert sent["temperature"] == 0.0
        assert sent["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "command", "schema": SCHEMA, "strict": True},
        }
        assert llm.headers[0]["authorization"] == "Bearer sk-test-123"


def test_that_the_json_object_style_sends_the_schema_the_way_llama_cpp_reads_it() -> None:
    with ScriptedLLM() as llm:
        llm.script('{"intent": "refund_status"}')
        with make_client(llm, schema_style="json_object") as client:
            client.complete(MESSAGES, schema=SCHEMA)
        assert llm.requests[0]["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_that_without_a_schema_or_key_neither_response_format_nor_authorization_is_sent() -> None:
    with ScriptedLLM() as llm:
        llm.script("Hello!")
        with make_client(llm) as client:
            assert client.complete(MESSAGES).text == "Hello!"

        assert "response_format" not in llm.requests[0]
        assert "authorization" not in llm.headers[0]


def test_that_missing_usage_is_estimated_from_the_text_length() -> None:
    with ScriptedLLM() as llm:
        llm.script("x" * 40, usage=False)
        with make_client(llm) as client:
            completion = client.complete(MESSAGES)

    prompt_chars = sum(len(m["content"]) for m in MESSAGES)
    assert (completion.prompt_tokens, completion.completion_tokens) == (prompt_chars // 4, 10)


def test_that_a_server_error_is_retried_and_the_next_attempt_succeeds() -> None:
    with ScriptedLLM() as llm:
        llm.script(status=500)
        llm.script(status=429)
        llm.script("third time lucky")
        with make_client(llm, retries=2) as client:
            assert client.complete(MESSAGES).text == "third time lucky"

        assert len(llm.requests) == 3


def test_that_timeouts_end_in_llm_unavailable_after_the_retries() -> None:
    with ScriptedLLM() as llm:
        llm.script("too late", delay=2)
        llm.script("too late", delay=2)
        with (
            make_client(llm, timeout=0.2, retries=1) as client,
            pytest.raises(LLMUnavailable) as caught,
        ):
            client.complete(MESSAGES)

        assert len(llm.requests) == 2
        assert "timed out" in caught.value.message
        assert "2 attempts" in caught.value.message


def test_that_an_unreachable_endpoint_is_llm_unavailable() -> None:
    with ScriptedLLM() as llm:
        base_url = llm.base_url
    client = OpenAICompatibleClient(base_url, "m", None, timeout=1, retries=1, backoff=0.01)
    with client, pytest.raises(LLMUnavailable, match="could not connect"):
        client.complete(MESSAGES)


def test_that_a_client_error_is_not_retried() -> None:
    with ScriptedLLM() as llm:
        llm.script(status=401)
        with make_client(llm, retries=3) as client, pytest.raises(LLMUnavailable, match="401"):
            client.complete(MESSAGES)

        assert len(llm.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        "this is not json {",
        {"object": "chat.completion", "model": "tiny-model"},
        {"choices": []},
        {"choices": [{"message": {"role": "assistant", "content": None}}]},
        json.dumps(["a", "list"]),
    ],
    ids=["garbage", "no-choices", "empty-choices", "null-content", "a-list"],
)
def test_that_a_malformed_answer_is_llm_unavailable_not_a_crash(body: str | dict[str, Any]) -> None:
    with ScriptedLLM() as llm:
        llm.script(body=body)
        with make_client(llm) as client, pytest.raises(LLMUnavailable):
            client.complete(MESSAGES)


def test_that_the_breaker_opens_after_repeated_failures_and_fails_fast() -> None:
    clock = MovableClock()
    breaker = CircuitBreaker(2, cooldown=30, clock=clock)
    with ScriptedLLM() as llm:
        llm.script(status=500)
        llm.script(status=503)
        with make_client(llm, retries=0, breaker=breaker) as client:
            for _ in range(2):
                with pytest.raises(LLMUnavailable, match="HTTP 50"):
                    client.complete(MESSAGES)
            llm.script("should not be reached")
            with pytest.raises(LLMUnavailable, match="circuit breaker open"):
                client.complete(MESSAGES)

            assert len(llm.requests) == 2
            assert llm.pending == 1


def test_that_after_the_cool_down_one_trial_call_goes_through_and_closes_the_breaker() -> None:
    clock = MovableClock()
    breaker = CircuitBreaker(1, cooldown=30, clock=clock)
    with ScriptedLLM() as llm:
        llm.script(status=500)
        with make_client(llm, retries=0, breaker=breaker) as client:
            with pytest.raises(LLMUnavailable):
                client.complete(MESSAGES)
            clock.now += 29
            with pytest.raises(LLMUnavailable, match="circuit breaker open"):
                client.complete(MESSAGES)
            assert len(llm.requests) == 1

            clock.now += 2
            llm.script("back again")
            llm.script("and still here")
            assert client.complete(MESSAGES).text == "back again"
            assert client.complete(MESSAGES).text == "and still here"
            assert len(llm.requests) == 3


def test_that_a_failed_trial_call_reopens_the_breaker_for_another_cool_down() -> None:
    clock = MovableClock()
    breaker = CircuitBreaker(3, cooldown=10, clock=clock)
    with ScriptedLLM() as llm:
        for _ in range(4):
            llm.script(status=502)
        with make_client(llm, retries=0, breaker=breaker) as client:
            for _ in range(3):
                with pytest.raises(LLMUnavailable, match="HTTP 502"):
                    client.complete(MESSAGES)
            clock.now += 10
            with pytest.raises(LLMUnavailable, match="HTTP 502"):
                client.complete(MESSAGES)  # the trial, which fails
            with pytest.raises(LLMUnavailable, match="circuit breaker open"):
                client.complete(MESSAGES)

            assert len(llm.requests) == 4
            assert breaker.state == "open"


def test_that_no_base_url_means_no_client_and_a_base_url_means_a_working_one() -> None:
    assert client_from_settings(Settings(llm_base_url=None)) is None
    assert client_from_settings(Settings(llm_base_url="  ")) is None
    with ScriptedLLM() as llm:
        llm.script("configured")
        settings = Settings(
            llm_base_url=llm.base_url + "/",
            llm_model="ops-model",
            llm_api_key=SecretStr("sk-ops"),
            llm_retries=0,
        )
        client = client_from_settings(settings)
        assert client is not None
        assert client.complete(MESSAGES).text == "configured"
        assert llm.requests[0]["model"] == "ops-model"
        assert llm.headers[0]["authorization"] == "Bearer sk-ops"
        assert isinstance(client, OpenAICompatibleClient)
        client.close()


def test_that_cost_turns_tokens_into_money_at_the_configured_prices() -> None:
    settings = Settings(llm_price_per_1k_prompt=0.5, llm_price_per_1k_completion=1.5)
    completion = Completion("ok", prompt_tokens=2000, completion_tokens=500, model="m")

    assert cost(completion, settings) == pytest.approx(1.75)
    assert cost(completion, Settings()) == 0.0


def test_that_the_scripted_server_lists_its_model() -> None:
    import httpx

    with ScriptedLLM(model="listed-model") as llm:
        listed = httpx.get(f"{llm.base_url}/models").json()

    assert [m["id"] for m in listed["data"]] == ["listed-model"]


def test_that_a_misconfigured_base_url_is_llm_unavailable_at_once() -> None:
    for url in ("http://[::1", "localhost:8080/v1", "not a url", "http://host:99999/v1"):
        with pytest.raises(LLMUnavailable, match="not an http"):
            OpenAICompatibleClient(url, "m", None, timeout=1, retries=3, backoff=5)
