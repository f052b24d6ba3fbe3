"""Judgements on real history (``make validate``, not the default suite): the claim gate over
real clones chosen for variety reports zero contradictions, in the default window and over
several years.

Clones come from ``$CASESTUDY_CLONES`` (``owner/name=PATH`` separated by spaces) or, when unset,
the snapshots the ``fetch`` tool leaves in ``/work/.mirror/<owner>+<name>/repo``; each missing
one is skipped. What each repository exercises is in ``REPOS``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_story import parts, repeated_sentences

pytestmark = pytest.mark.real

REPOS = {
    "psf/requests": "merge-button merges; a library with versioned release tags; not ML",
    "pallets/flask": "merge-button merges; a library with release trains; large community",
    "encode/httpx": "squash merges; a library; pre-1.0 release tags",
    "huggingface/accelerate": "squash merges; an ML library; a top contributor who left",
    "pytorch/tnt": "an ML project; a small community; sparse recent history",
    "Homebrew/brew": "an app that ships often (frequent tags); merge-button merges",
    "curl/curl": "rebase landings with 'Closes #N'; release trains; a large old project",
    "sharkdp/fd": "a small Rust tool; merge-button merges; few maintainers",
    "urllib3/urllib3": "release branches and backports (1.26.x); a library",
    "excalidraw/excalidraw": "an app deployed from main; squash merges; no release trains",
}
WINDOWS = (None, ("2019-01", "2024-12"))


def _clones() -> dict[str, Path]:
    env = os.environ.get("CASESTUDY_CLONES", "")
    if env:
        pairs = (x.split("=", 1) for x in env.split() if "=" in x)
        return {name: Path(p) for name, p in pairs}
    mirror = Path("/work/.mirror")
    return {name: mirror / name.replace("/", "+") / "repo" for name in REPOS}


CLONES = _clones()


@pytest.mark.parametrize("name", sorted(CLONES))
def test_no_claim_contradicts_its_evidence_on_real_history(name, tmp_path):
    from casestudy.analysis import gate

    path = CLONES[name]
    if not (path / "HEAD").exists() and not (path / ".git").exists():
        pytest.skip(f"no clone of {name} at {path}")
    store = Store(tmp_path / "s.sqlite")
    sync_git(store, path, repo=name)
    lines = []
    for window in WINDOWS:
        kw = {} if window is None else {"period_from": window[0], "period_to": window[1]}
        cs = build_case_study(store, Options(name, **kw))
        problems = gate.contradictions(cs)
        md = render(cs, "md")
        lines.append(f"{name} [{'default' if window is None else '–'.join(window)}] "
                     f"({REPOS.get(name, '')}): {len(cs.claims)} claims kept, "
                     f"{len(cs.refused)} refused, {len(problems)} contradictions, "
                     f"{len(md.split()):,} words")
        assert problems == [], "\n".join(problems)
        summary, body = parts(md)
        lines[-1] += f" (summary {len(summary.split())}, body {len(body.split()):,})"
        assert len(summary.split()) <= 600 and len(body.split()) <= 3000
        assert repeated_sentences(body) == []
    print("\n".join(lines))
