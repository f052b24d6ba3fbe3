"""AI-assisted changes from the GitHub source, through real PyGithub against the fake GitHub: an
agent's PR, a generated-with marker in a PR body, an AI co-author trailer in a commit message,
AI reviewers (kept apart, never a first response) and a person whose login is ``claude``."""

from __future__ import annotations

from datetime import datetime

from casestudy.sources.files import export_tables, import_tables
from casestudy.store import Store
from tests.fakegithub.server import FakeGitHub, generate_repo, iso
from tests.test_github import TOKEN, client

REVIEWER = {"login": "copilot-pull-request-reviewer", "__typename": "Bot"}
RABBIT = {"login": "coderabbitai", "__typename": "Bot"}
HUMAN = {"login": "maintainer1", "__typename": "User"}


def by_number(repo, n: int) -> dict:
    return next(p for p in repo.prs if p["number"] == n)


def test_ai_marks_and_ai_reviewers_from_github(tmp_path):
    repo = generate_repo("acme", "agents", 40, seed=5)
    for p in repo.prs:  # a plain start: no reviews or comments, no body
        p["reviews"], p["comments"], p["baseRefName"] = [], [], "main"
    agent = by_number(repo, 3)
    agent["author"] = {"login": "Copilot", "__typename": "Bot"}  # GraphQL drops "[bot]"
    by_number(repo, 4)["body"] = "Adds x.\n\n🤖 Generated with [Claude Code](https://claude.ai/code)"
    trailer = by_number(repo, 5)
    trailer["commits"][0]["message"] = ("Fix y\n\nCo-authored-by: Claude Opus 4.6 "
                                        "<noreply@anthropic.com>")
    human_named = by_number(repo, 8)
    human_named["body"] = "Co-authored-by: Devin Smith <devin@smith.org>\nWritten by me."
    reviewed = by_number(repo, 6)
    t = reviewed["createdAt"]
    reviewed["reviews"] = [
        {"author": REVIEWER, "state": "COMMENTED", "submittedAt": t + 60},
        {"author": HUMAN, "state": "APPROVED", "submittedAt": t + 7200}]
    reviewed["comments"] = [{"author": RABBIT, "createdAt": t + 120}]
    person = by_number(repo, 7)
    person["comments"] = [{"author": {"login": "claude", "__typename": "User"},
                           "createdAt": person["createdAt"] + 600}]
    repo.files["AGENTS.md"] = "Run the tests before you push.\n"
    repo.files[".github/copilot-instructions.md"] = "Prefer small PRs.\n"
    with FakeGitHub(tokens={TOKEN: set()}) as fake:
        fake.add(repo)
        store = Store(tmp_path / "s.sqlite")
        client(fake).sync(store, "acme/agents")
    marks = store.ai_marks("acme/agents")
    assert marks == {3: (("agent-pr-author",), "Copilot"),
                     4: (("generated-marker",), "Claude"),
                     5: (("co-author-trailer",), "Claude")}
    assert store.ai_commit_counts("acme/agents") == {("co-author-trailer", "Claude"): 1}
    ai = {(r.pr, r.reviewer, r.tool, r.kind) for r in store.ai_reviews("acme/agents")}
    assert ai == {(6, "copilot-pull-request-reviewer", "Copilot", "review"),
                  (6, "coderabbitai", "CodeRabbit", "comment")}
    prs = {p.number: p for p in store.pull_requests("acme/agents", [6, 7])}
    # the AI reviewers answered first; the first response is the person's, two hours in
    assert prs[6].first_response_at == int(datetime.fromisoformat(
        iso(t + 7200).replace("Z", "+00:00")).timestamp())
    assert prs[6].first_responder == "maintainer1"
    assert {r.reviewer for r in store.reviews("acme/agents")} == {"maintainer1"}
    assert prs[7].first_responder == "claude"  # a person's login, not the tool
    # the AI stance from the tree at HEAD (GitHub gives no history: no first-seen dates)
    assert store.audit("acme/agents")["ai_instructions"] == [
        ".github/copilot-instructions.md", "AGENTS.md"]
    # the canonical tables carry it all through an export and an import
    for fmt in ("csv", "parquet"):
        export_tables(store, "acme/agents", tmp_path / fmt, fmt)
        copy = Store(tmp_path / f"{fmt}.sqlite")
        import_tables(copy, tmp_path / fmt)
        assert copy.ai_marks("acme/agents") == marks
        assert copy.ai_reviews("acme/agents") == store.ai_reviews("acme/agents")
        assert copy.ai_commit_counts("acme/agents") == store.ai_commit_counts("acme/agents")
