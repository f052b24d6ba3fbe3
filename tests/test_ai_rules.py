"""The AI-detection rules against a labelled set of real examples (``tests/data/ai_labels.csv``:
commit author identities, ``Co-authored-by:`` values, GitHub logins (from the noreply addresses)
and commit-message lines taken from the real mirrors, each labelled by hand with its tool, or as
a person, an ordinary bot or plain prose): precision and recall are measured, and no person
named like a tool is ever a tool."""

from __future__ import annotations

import csv

from casestudy import ai_rules
from tests.conftest import ROOT

LABELS = ROOT / "tests" / "data" / "ai_labels.csv"
NOT_AI = ("human", "bot", "none")


def detect(kind: str, text: str) -> str:
    if kind == "identity":
        tools = ai_rules.trailer_tools(f"Co-authored-by: {text}")
        return tools[0] if tools else ""
    if kind == "login":  # an agent opening PRs, or an AI reviewer
        return ai_rules.agent_author(text) or ai_rules.ai_reviewer(text)
    return ai_rules.marker_tool(text)


def measured() -> dict:
    rows = list(csv.DictReader(LABELS.open(encoding="utf-8")))
    tp = fp = fn = tn = right_tool = named = 0
    wrong: list[str] = []
    for r in rows:
        got = detect(r["kind"], r["text"])
        truth = r["label"] not in NOT_AI
        if truth and got:
            tp += 1
            if r["label"] != "AI":
                named += 1
                right_tool += got == r["label"]
        elif got:
            fp += 1
            wrong.append(f"false positive: {r['text']} -> {got}")
        elif truth:
            fn += 1
            wrong.append(f"missed: {r['text']}")
        else:
            tn += 1
    return {"rows": len(rows), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": tp / (tp + fp), "recall": tp / (tp + fn),
            "tool_accuracy": right_tool / named, "wrong": wrong}


def test_the_labelled_set_is_real_and_large_enough():
    rows = list(csv.DictReader(LABELS.open(encoding="utf-8")))
    assert len(rows) >= 100
    assert {r["kind"] for r in rows} == {"identity", "message_line", "login"}
    positives = [r for r in rows if r["label"] not in NOT_AI]
    assert 40 <= len(positives) <= len(rows) - 40  # both classes well represented
    assert all("+" in r["repo"] for r in rows)  # each names the mirror it came from


def test_precision_and_recall_on_the_labelled_set():
    m = measured()
    assert m["fp"] == 0, m["wrong"]
    assert m["precision"] == 1.0
    assert m["recall"] >= 0.95, m["wrong"]
    assert m["tool_accuracy"] >= 0.95


def test_people_named_like_tools_are_people():
    for name, email in [("Xavier Claude", "contact@xavierclaude.be"),
                        ("Devin Conathan", "dconathan@gmail.com"),
                        ("Jules", "57632293+JuliaPoo@users.noreply.github.com"),
                        ("Rob Findley", "rfindley@anthropic.com"),
                        ("Jelle Zijlstra", "jelle@openai.com")]:
        assert ai_rules.identity_tool(name, email) == "", name
    # a login a person could hold is a tool only as a bot account
    assert ai_rules.agent_author("claude", bot=False) == ""
    assert ai_rules.agent_author("Copilot", bot=True) == "Copilot"
    assert ai_rules.agent_author("devin-ai-integration[bot]") == "Devin"
    assert ai_rules.ai_reviewer("copilot-pull-request-reviewer", bot=True) == "Copilot"
    assert ai_rules.ai_reviewer("coderabbitai[bot]") == "CodeRabbit"
    assert ai_rules.ai_reviewer("cursor", bot=False) == ""


def test_a_commit_and_a_pr_are_marked_by_the_strongest_rule_first():
    msg = "Fix parser\n\nCo-authored-by: Claude Opus 4.6 <noreply@anthropic.com>\n"
    assert ai_rules.commit_marks("Ann", "ann@x.org", msg) == ("co-author-trailer", "Claude")
    assert ai_rules.commit_marks("Copilot", "198982749+Copilot@users.noreply.github.com",
                                 "Add x") == ("tool-commit-author", "Copilot")
    rules, tool = ai_rules.pr_marks([("", ""), ("co-author-trailer", "Claude")],
                                    "🤖 Generated with [Claude Code](https://claude.ai/code)",
                                    "copilot-swe-agent[bot]", True)
    assert rules == ("co-author-trailer", "generated-marker", "agent-pr-author")
    assert tool == "Claude"
    assert ai_rules.pr_marks([("", "")], "Generated with the release script", "ann") == ((), "")


def test_agent_instruction_files():
    for p in ("AGENTS.md", "CLAUDE.md", "docs/AGENTS.md", ".cursor/rules/style.mdc",
              ".cursorrules", ".github/copilot-instructions.md", "GEMINI.md",
              ".github/instructions/py.instructions.md"):
        assert ai_rules.is_ai_instruction(p), p
    for p in ("README.md", "src/agents.py", "docs/CONVENTIONS.md", "cursor/rules.py"):
        assert not ai_rules.is_ai_instruction(p), p
