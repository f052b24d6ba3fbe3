"""The story comes first (issue 27, point 6): the summary page is short, the body says each thing
once and explains its statistical terms, and what the data cannot show is one box; checked on
the demo and on a git clone built here (the real-repository word caps are in make validate)."""

from __future__ import annotations

import collections
import re

from casestudy.render import render
from casestudy.render.outline import TERMS
from casestudy.report.build import Options, build_case_study

STATS_TERMS = ("Mann–Kendall", "Theil–Sen", "Mann–Whitney", "Wilcoxon", "Kaplan–Meier",
               "HMM", "hidden Markov")


def parts(md: str) -> tuple[str, str]:
    """(executive summary, body before the appendices) of a Markdown report."""
    body = md.split("\n# Appendices\n")[0]
    summary = body.split("## Executive summary\n")[1].split("\n## ")[0]
    return summary, body


def repeated_sentences(text: str, words: int = 12) -> list[str]:
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= words]
    return [s for s, n in collections.Counter(sentences).items() if n > 1]


def test_the_demo_story_is_short_says_things_once_and_explains_its_terms(demo_store):
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis", "demo/cirrus")))
    summary, body = parts(render(cs, "md"))
    assert len(summary.split()) <= 600
    assert repeated_sentences(body) == []
    terms = body.split("## Terms used\n")[1].split("\n## ")[0]
    for t in STATS_TERMS:
        if t in body.replace(terms, ""):
            assert t.lower() in terms.lower(), t
    assert all(t.lower() in TERMS.text.lower() for t in STATS_TERMS)
    # strengths and weaknesses give their evidence in a line, not the verdict's sentence again
    strengths = body.split("## Strengths\n")[1].split("\n## ")[0]
    for s in cs.strengths:
        assert s.text not in strengths and s.brief.split(" (")[0] in strengths
