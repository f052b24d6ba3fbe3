#!/usr/bin/env python3
"""Independent plain-git counts of AI-assisted commits (issue 32; ``make validate`` compares the
git source with them). Imports nothing from ``casestudy``: three ``git log --grep``/``--author``
passes over the non-merge commits a branch reaches, committed since a date — AI co-author
trailers by address, commits authored by an AI tool's address, and "Generated with [Claude
Code]" lines — and their union, as JSON.

    python scripts/ai_truth.py PATH [--branch HEAD] [--since 2025-06-01]
"""

from __future__ import annotations

import argparse
import json
import subprocess

# the addresses of AI tools, written out again here (not imported) as a git regular expression
ADDRESSES = (r"noreply@anthropic\.com|noreply@openclaude\.dev|codex@openai\.com|"
             r"noreply@openai\.com|copilot@github\.com|cursoragent@cursor\.com|"
             r"support@cursor\.sh|noreply@aider\.chat|"
             r"[0-9]+\+(copilot|claude)@users\.noreply\.github\.com|"
             r"[0-9]+\+(copilot-swe-agent|devin-ai-integration|google-labs-jules|"
             r"chatgpt-codex-connector|claude|anthropic-code-agent|cursor|gemini-code-assist|"
             r"sweep-ai|factory-droid|amazon-q-developer)\[bot\]@users\.noreply\.github\.com")


def _shas(path: str, branch: str, since: str, *pattern: str) -> set[str]:
    out = subprocess.run(["git", "-C", path, "log", "--no-merges", f"--since={since}",
                          "--format=%H", "-i", "-E", *pattern, "--end-of-options", branch, "--"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def counts(path: str, branch: str = "HEAD", since: str = "2025-06-01") -> dict:
    trailer = _shas(path, branch, since, f"--grep=^co-authored-by:.*<({ADDRESSES})>")
    author = _shas(path, branch, since, f"--author=<({ADDRESSES})>")
    marker = _shas(path, branch, since, r"--grep=generated with \[?claude code")
    every = _shas(path, branch, since)
    return {"since": since, "commits": len(every), "trailer": len(trailer),
            "author": len(author), "marker": len(marker),
            "ai": len(trailer | author | marker), "shas": sorted(trailer | author | marker)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--branch", default="HEAD")
    ap.add_argument("--since", default="2025-06-01")
    a = ap.parse_args()
    c = counts(a.path, a.branch, a.since)
    c.pop("shas")
    print(json.dumps(c))


if __name__ == "__main__":
    main()
