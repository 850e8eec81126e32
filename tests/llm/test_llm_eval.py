"""`deskpilot eval scenarios --understanding llm` as an operator runs it: a real process
pointed at an OpenAI-compatible endpoint (the scripted server on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.llm.scripted_server import ScriptedLLM
from tests.llm.understanding_helpers import answer

SCENARIOS = ("--only", "en-return-by-reference", "--variants", "1")


def eval_scenarios(*args: str, base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    if base_url is not None:
        env |= {"DESKPILOT_LLM_BASE_URL": base_url, "DESKPILOT_LLM_RETRIES": "0"}
    return subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "eval", "scenarios", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def figures(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert out.returncode == 0, out.stderr
    summary: dict[str, Any] = json.loads(out.stdout)
    return summary


def test_that_llm_mode_without_an_endpoint_says_what_to_set_and_exits_with_2() -> None:
    out = eval_scenarios("--understanding", "llm", *SCENARIOS, "--json")

    assert out.returncode == 2
    assert "DESKPILOT_LLM_BASE_URL" in out.stderr
    assert out.stdout == ""


def test_that_llm_mode_runs_the_scenarios_through_the_model_and_counts_its_tokens() -> None:
    def model(body: dict[str, Any]) -> str:
        message = body["messages"][1]["content"]
        if "No flow is running" in message:
            return answer({"kind": "start_flow", "flow": "report_return"})
        return answer({"kind": "cannot_handle"})

    with ScriptedLLM(responder=model) as llm:
        out = eval_scenarios("--understanding", "llm", *SCENARIOS, "--json", base_url=llm.base_url)
        asked = len(llm.requests)

    summary = figures(out)
    assert summary["understanding"] == "llm"
    assert summary["llm_calls"] == asked > 0
    assert summary["llm_used"] >= 1
    assert summary["llm_prompt_tokens"] > 0 and summary["llm_completion_tokens"] > 0
    assert summary["correct_resolution_rate"] == 1.0


def test_that_a_model_answering_nonsense_leaves_the_results_as_in_embedded_mode() -> None:
    embedded = figures(eval_scenarios(*SCENARIOS, "--json"))
    with ScriptedLLM(responder=lambda body: "I am not sure what you mean.") as llm:
        broken = figures(
            eval_scenarios("--understanding", "llm", *SCENARIOS, "--json", base_url=llm.base_url)
        )

    assert embedded["understanding"] == "embedded" and "llm_calls" not in embedded
    assert broken["llm_fallback_reasons"]["invalid"] == broken["llm_calls"] // 2 > 0
    assert broken["llm_used"] == 0
    for figure in ("automation_rate", "correct_resolution_rate", "wrong_action_count"):
        assert broken[figure] == embedded[figure]
