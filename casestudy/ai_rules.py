"""AI-assisted changes: the rule table that recognises them (a registry, like the bug-fix rules),
each rule's hits countable.

A change is AI-assisted when a tool's own account or address says so, never when a person's
name resembles a tool's: ``Co-authored-by:`` trailers and commit authors are matched on the
e-mail address (``noreply@anthropic.com``, ``…+Copilot@users.noreply.github.com``,
``cursoragent@cursor.com``, ``codex@openai.com``, ``…devin-ai-integration[bot]…``), GitHub
accounts on their login *and* their being a bot (a person called Claude, Devin or Jules, or
working at anthropic.com or openai.com, is a person). A "Generated with [Claude Code]" line in
a commit message or a PR body is a marker; a PR opened by an agent account is an agent's PR.
AI reviewers (``copilot-pull-request-reviewer``, ``coderabbitai``, ``gemini-code-assist``, …)
review; they never make a PR AI-assisted and never count as a person's response.

Agent-instruction files at HEAD (``AGENTS.md``, ``CLAUDE.md``, ``.cursor/rules``, …) are the
project's AI stance (``AI_INSTRUCTIONS``). Measured against real examples in
``tests/data/ai_labels.csv`` (``tests/test_ai_rules.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    description: str
    marks_pr: bool = True  # the rule makes a change AI-assisted (a reviewer does not)


RULES: tuple[Rule, ...] = (
    Rule(1, "co-author-trailer", "a `Co-authored-by:` trailer whose address is an AI tool's "
                                 "(Claude, Copilot, Cursor, Codex, Devin, Gemini, …)"),
    Rule(2, "tool-commit-author", "a commit authored by an AI tool's address or agent account"),
    Rule(3, "generated-marker", "a 'Generated with [Claude Code]'-style line in a commit message "
                                "or the PR body"),
    Rule(4, "agent-pr-author", "the PR was opened by an AI agent account "
                               "(copilot-swe-agent, devin-ai-integration, …)"),
    Rule(5, "ai-reviewer", "a review or comment by an AI reviewer account (counted apart; never "
                           "a person's response)", marks_pr=False),
)
BY_NAME = {r.name: r for r in RULES}
REWORK_DAYS = 14  # a fix or revert touching a PR's files this soon after it landed: rework

# e-mail addresses (lower case, whole) and patterns that belong to a tool, never to a person
_ADDRESSES: dict[str, str] = {
    "noreply@anthropic.com": "Claude", "noreply@openclaude.dev": "Claude",
    "codex@openai.com": "Codex", "noreply@openai.com": "Codex",
    "copilot@github.com": "Copilot",
    "cursoragent@cursor.com": "Cursor", "support@cursor.sh": "Cursor",
    "noreply@aider.chat": "Aider",
    "openhands@all-hands.dev": "OpenHands",
}
# GitHub accounts of tools: login (without ``[bot]``, lower case) → tool
AGENT_ACCOUNTS: dict[str, str] = {
    "copilot-swe-agent": "Copilot", "copilot": "Copilot",
    "devin-ai-integration": "Devin", "google-labs-jules": "Jules",
    "chatgpt-codex-connector": "Codex", "claude": "Claude", "anthropic-code-agent": "Claude",
    "cursor": "Cursor", "amazon-q-developer": "Amazon Q", "sweep-ai": "Sweep",
    "openhands-agent": "OpenHands", "gemini-cli": "Gemini", "factory-droid": "Factory",
}
REVIEWER_ACCOUNTS: dict[str, str] = {
    "copilot-pull-request-reviewer": "Copilot", "coderabbitai": "CodeRabbit",
    "gemini-code-assist": "Gemini", "sourcery-ai": "Sourcery", "cursor": "Cursor",
    "claude": "Claude", "chatgpt-codex-connector": "Codex", "greptile-apps": "Greptile",
    "ellipsis-dev": "Ellipsis", "qodo-merge-pro": "Qodo", "codium-pr-agent": "Qodo",
    "korbit-ai": "Korbit", "devin-ai-integration": "Devin", "amazon-q-developer": "Amazon Q",
    "copilot": "Copilot",
}
# a name a person could also have: only a bot account of that name is the tool
_HUMAN_LIKE = frozenset({"copilot", "claude", "cursor"})
# ``12345+Copilot@users.noreply.github.com`` and the ``[bot]`` accounts' addresses
_NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$")
_GH_TOOL_USERS = {"copilot": "Copilot", "claude": "Claude"}  # GitHub's own tool users
TRAILER = re.compile(r"^\s*co-authored-by:\s*(.*?)\s*<([^<>\s]*)>\s*$", re.IGNORECASE | re.M)
# a trailer without an address: a person's always has one, so a tool's name there is the tool
TRAILER_BARE = re.compile(r"^\s*co-authored-by:\s*((?:github )?copilot|claude|codex|cursor|"
                          r"gemini|devin)\b[^<>\n]*$", re.IGNORECASE | re.M)
_TOOLS = (r"claude(?: code)?|cursor|(?:github )?copilot|codex|chatgpt|gpt-?[\d.o]*|gemini|devin|"
          r"aider|jules|windsurf|amazon q|openhands|an? (?:ai|llm)(?: tool| assistant)?|ai|llm")
MARKER = re.compile(
    r"(?:^|\n)[^\S\n]*(?:🤖[^\S\n]*)?generated (?:with|by|using) \[?(claude code|claude|cursor|"
    r"(?:github )?copilot|codex|chatgpt|gemini|devin|aider|jules|windsurf|openhands)\b"
    r"|\b(?:written|created|drafted|made|generated|authored)(?: in part| partly| mostly)? "
    rf"(?:with (?:the )?(?:help|assistance) (?:of|from) |with |by |using )(?:the )?({_TOOLS})\b"
    rf"|\b(?:with (?:the )?(?:help|assistance) (?:of|from)|assisted[- ]by:?) (?:the )?({_TOOLS})\b"
    r"|\b(ai)[- ]assisted\b"
    r"|\bgenerated by [\w ]{1,30}?\b(ai)\b",
    re.IGNORECASE)
_AIDER_NAME = re.compile(r"\(aider\)\s*$", re.IGNORECASE)


def _tool_name(text: str) -> str:
    t = text.lower().strip()
    for key, name in (("claude", "Claude"), ("cursor", "Cursor"), ("copilot", "Copilot"),
                      ("codex", "Codex"), ("chatgpt", "Codex"), ("gpt", "Codex"),
                      ("gemini", "Gemini"), ("devin", "Devin"), ("aider", "Aider"),
                      ("jules", "Jules"), ("windsurf", "Windsurf"), ("amazon q", "Amazon Q"),
                      ("openhands", "OpenHands")):
        if key in t:
            return name
    return "AI (unnamed)"


def identity_tool(name: str, email: str) -> str:
    """The tool a git identity (name, e-mail) belongs to, or "" for a person. Decided by the
    address (and aider's ``(aider)`` name suffix), never by a first name."""
    e = (email or "").strip().lower()
    if e in _ADDRESSES:
        return _ADDRESSES[e]
    m = _NOREPLY.match(e)
    if m:
        account = m.group(1)
        bare = account.removesuffix("[bot]")
        if account.endswith("[bot]") and bare in AGENT_ACCOUNTS:
            return AGENT_ACCOUNTS[bare]
        if account.endswith("[bot]") and bare in REVIEWER_ACCOUNTS:
            return REVIEWER_ACCOUNTS[bare]  # a reviewer's suggestion, committed
        if bare in _GH_TOOL_USERS and account == bare:
            return _GH_TOOL_USERS[bare]  # GitHub's own Copilot / Claude users
        if account == "github-advanced-security[bot]" and "copilot" in (name or "").lower():
            return "Copilot"  # "Copilot Autofix powered by AI"
    if _AIDER_NAME.search(name or ""):
        return "Aider"
    return ""


def account_tool(login: str, bot: bool, table: dict[str, str] = AGENT_ACCOUNTS) -> str:
    """The tool a GitHub account is, or "" — a login a person could hold (``claude``,
    ``cursor``, ``copilot``) only when the account is a bot."""
    raw = (login or "").strip().lower()
    bare = raw.removesuffix("[bot]")
    if bare not in table:
        return ""
    if bare in _HUMAN_LIKE and not (bot or raw.endswith("[bot]")):
        return ""
    return table[bare]


def agent_author(login: str, bot: bool = False) -> str:
    """The agent a PR author's account is ("" = a person or an ordinary bot)."""
    return account_tool(login, bot, AGENT_ACCOUNTS)


def ai_reviewer(login: str, bot: bool = False) -> str:
    """The AI reviewer a review or comment author's account is ("" = not one)."""
    return account_tool(login, bot, REVIEWER_ACCOUNTS)


def trailer_tools(message: str) -> list[str]:
    """The tools named by the ``Co-authored-by:`` trailers of a commit message."""
    tools = [t for name, email in TRAILER.findall(message or "")
             if (t := identity_tool(name, email))]
    return tools + [_tool_name(m) for m in TRAILER_BARE.findall(message or "")]


def marker_tool(text: str) -> str:
    """The tool a 'generated with …' line of a message or PR body names ("" = none)."""
    m = MARKER.search(text or "")
    if m is None:
        return ""
    return _tool_name(next(g for g in m.groups() if g))


def commit_marks(author: str, email: str, message: str) -> tuple[str, str]:
    """(rule name, tool) of a commit, the strongest rule first, or ("", "")."""
    tool = identity_tool(author, email)
    if tool:
        return "tool-commit-author", tool
    tools = trailer_tools(message)
    if tools:
        return "co-author-trailer", tools[0]
    tool = marker_tool(message)
    if tool:
        return "generated-marker", tool
    return "", ""


def pr_marks(commit_marks_: list[tuple[str, str]], body: str = "", author: str = "",
             author_bot: bool = False) -> tuple[tuple[str, ...], str]:
    """(every rule that marks the PR, in the table's order; the first tool) from its commits'
    marks, its body and its author."""
    hits: dict[str, str] = {}
    tool = agent_author(author, author_bot)
    if tool:
        hits["agent-pr-author"] = tool
    for rule, t in commit_marks_:
        if rule:
            hits.setdefault(rule, t)
    t = marker_tool(body)
    if t:
        hits.setdefault("generated-marker", t)
    rules = tuple(r.name for r in RULES if r.name in hits)
    return rules, (hits[rules[0]] if rules else "")


# agent-instruction files: the project's stance on AI agents, at HEAD
AI_INSTRUCTIONS = re.compile(
    r"(?:^|.*/)(?:AGENTS\.md|AGENT\.md|CLAUDE\.md|CLAUDE\.local\.md|GEMINI\.md|\.cursorrules|"
    r"\.windsurfrules|\.clinerules|CONVENTIONS\.md|copilot-instructions\.md)$"
    r"|^\.cursor/rules(?:/.+)?$|^\.github/instructions/.+\.instructions\.md$"
    r"|^\.claude/(?:settings\.json|commands/.+|agents/.+|skills/.+)$"
    r"|^\.gemini/.+|^\.aider\.conf\.ya?ml$|^\.junie/guidelines\.md$",
    re.IGNORECASE)


def is_ai_instruction(path: str) -> bool:
    """Whether ``path`` is an agent-instruction file (or a folder's file of them)."""
    if path.endswith("CONVENTIONS.md") and "/" in path:
        return False  # aider's conventions file lives at the top
    return bool(AI_INSTRUCTIONS.match(path))


def definition() -> list:
    """Everything that decides a detection, for the report's definitions hash."""
    return [[(r.id, r.name, r.description) for r in RULES], sorted(_ADDRESSES.items()),
            sorted(AGENT_ACCOUNTS.items()), sorted(REVIEWER_ACCOUNTS.items()),
            MARKER.pattern, TRAILER.pattern, AI_INSTRUCTIONS.pattern]
