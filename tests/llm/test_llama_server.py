"""The real local model server answers, and a JSON schema in the request constrains its answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.llm.llama_server import LlamaServer, running_llama_server

KIND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"kind": {"enum": ["confirm", "deny"]}},
    "required": ["kind"],
}


@pytest.fixture(scope="module")
def server() -> Iterator[LlamaServer]:
    with running_llama_server() as running:
        yield running


def chat(server: LlamaServer, content: str, **extra: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/chat/completions",
        json={
            "model": server.model,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": 48,
            "temperature": 0.0,
            **extra,
        },
        timeout=120.0,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_that_the_real_server_answers_a_chat_completion(server: LlamaServer) -> None:
    body = chat(server, "Say hello to a customer in one short sentence.")

    assert body["choices"][0]["message"]["content"].strip()
    assert body["usage"]["prompt_tokens"] > 0
    assert body["usage"]["completion_tokens"] > 0


def test_that_a_json_schema_in_the_request_constrains_the_answer(server: LlamaServer) -> None:
    # Asked for prose, the model writes prose unless the schema really constrains sampling.
    body = chat(
        server,
        "Write a short poem about the sea.",
        response_format={"type": "json_object", "schema": KIND_SCHEMA},
    )

    answer = json.loads(body["choices"][0]["message"]["content"])
    assert isinstance(answer, dict)
    assert answer["kind"] in {"confirm", "deny"}
