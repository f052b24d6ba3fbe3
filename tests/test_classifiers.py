"""The bug-fix and revert classifiers against the hand-labelled titles in tests/data/labels:
the sets are what the issue asks for, the held-out figures stay at or above what was measured,
and the figures the reports quote are the measured ones."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from casestudy import bugfix_rules, classifier_accuracy
from casestudy.classifier_check import is_revert, load, score, summary

LABELS = Path(__file__).parent / "data" / "labels"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bugfix_rows():
    return load(LABELS / "bugfix.csv")


@pytest.fixture(scope="module")
def revert_rows():
    return load(LABELS / "reverts.csv")


def test_labelled_sets_are_large_varied_and_split(bugfix_rows, revert_rows):
    assert len(bugfix_rows) >= 800 and len({r["repo"] for r in bugfix_rows}) >= 8
    labels = Counter(r["label"] for r in revert_rows)
    assert labels["revert"] >= 60 and labels["other"] >= 60
    for rows in (bugfix_rows, revert_rows):
        per_repo = Counter(r["repo"] for r in rows)
        held = Counter(r["repo"] for r in rows if r["split"] == "held-out")
        assert {r["split"] for r in rows} == {"tuning", "held-out"}
        for repo, n in per_repo.items():  # a quarter of each repository, rounded
            assert held[repo] == round(n / 4), repo
    # the conventions are all there: conventional commits, numpy-style prefixes, free text
    titles = [r["title"] for r in bugfix_rows]
    assert sum(t.startswith(("fix:", "fix(", "feat", "chore")) for t in titles) > 50
    assert sum(t.startswith(("BUG:", "DOC:", "MAINT:", "ENH:")) for t in titles) > 50


def test_held_out_accuracy_stays_at_the_measured_figures(bugfix_rows, revert_rows):
    bug = score(bugfix_rows, "bugfix")["held-out"]
    rev = score(revert_rows, "revert")["held-out"]
    assert (bug.n, rev.n) == (228, 93)
    # measured on 7 December 2026 (BENCHMARKS.md); a change that lowers them fails here
    assert bug.precision >= 0.91 and bug.recall >= 0.81  # the issue's target: 0.90 / 0.80
    assert rev.precision >= 0.95 and rev.recall >= 0.95


def test_reported_figures_are_the_measured_ones(bugfix_rows, revert_rows):
    for kind, rows, fig in (("bugfix", bugfix_rows, classifier_accuracy.BUGFIX),
                            ("revert", revert_rows, classifier_accuracy.REVERT)):
        s = score(rows, kind)
        assert (fig["precision"], fig["recall"], fig["n"]) == (
            round(s["held-out"].precision, 3), round(s["held-out"].recall, 3), s["held-out"].n)
        assert fig["labelled"] == len(rows)
    text = summary()
    assert "bug-fix classifier: precision 0.91, recall 0.82 on 228 held-out titles" in text
    assert "(labelled set of 912 titles from 12 repositories)" in text
    assert "revert detection: precision 0.95" in text
    ml = load(LABELS / "ml_projects.csv")
    for split, fig in classifier_accuracy.ML_PROJECT.items():
        assert fig["repos"] == sum(r["split"] == split for r in ml)
        assert classifier_accuracy.PRACTICES[split]["repos"] == fig["repos"]
    # the held-out figure is the first measurement, before any rule fix its misses revealed
    assert "ML-project detection (practice audit): 10 of 13 held-out labelled repositories " \
        "right as first measured (11 after a rule fix their misses revealed; 23 of 24 on the " \
        "repositories its rules were adjusted on)" in text
    assert "practice scorecard: 85 of 91 practice labels right on 13 held-out labelled " \
        "repositories as first measured (precision 0.97, recall 0.88; 87 after two rule fixes " \
        "their misses revealed; 167 of 168 on the 24 repositories its rules were adjusted on, " \
        "160 before)" in text


def test_practice_labels_cover_every_practice_of_the_ml_set():
    from casestudy.practice_check import PRACTICE_KEYS

    rows = load(LABELS / "practices.csv")
    ml = load(LABELS / "ml_projects.csv")
    assert [(r["repo"], r["split"]) for r in rows] == [(r["repo"], r["split"]) for r in ml]
    assert all(r[k] in ("yes", "no") for r in rows for k in PRACTICE_KEYS)
    # a held-out split, labelled before the audit ran on it: at least 8 repositories, ML and
    # not, none of them among the tuning ones (nor the repositories kept for final checks)
    held = [r for r in ml if r["split"] == "held-out"]
    tuning = {r["repo"] for r in ml if r["split"] == "tuning"}
    assert {r["split"] for r in ml} == {"tuning", "held-out"} and len(tuning) == 24
    assert len(held) >= 8 and {r["ml"] for r in held} == {"yes", "no"}
    assert not {r["repo"] for r in held} & (tuning | {"urllib3/urllib3", "excalidraw/excalidraw"})
    assert all(r["note"] for r in rows)  # each label says what it rests on
    # the labels are not all one way: every general practice is missing somewhere
    for key in ("tests", "ci", "locked_env", "lint", "experiment_tracking"):
        assert {r[key] for r in rows} == {"yes", "no"}, key


@pytest.mark.parametrize("split", ["tuning", "held-out"])
def test_practice_audit_against_the_labelled_repositories(split):
    """The scorecard and the ML-project detection of every labelled repository's snapshot at
    HEAD against its labels, per split: the recorded figures (which the reports quote) are what
    the audit measures now. Needs the snapshots (/work/.mirror or $CASESTUDY_MIRRORS)."""
    from casestudy.practice_check import have_snapshots, measure, measure_ml

    if not (have_snapshots(LABELS / "practices.csv", split)
            and have_snapshots(LABELS / "ml_projects.csv", split)):
        pytest.skip(f"the {split} repositories' snapshots are not on this machine")
    s = measure(LABELS / "practices.csv", split)
    fig = classifier_accuracy.PRACTICES[split]
    assert (s.right, s.n, fig["repos"]) == (fig["right"], fig["cells"],
                                            s.n // len(s.per_practice))
    assert s.wrong == fig["wrong"]
    assert {k: f"{v[0]}/{v[1]}" for k, v in s.per_practice.items()} == fig["per_practice"]
    assert (round(s.precision(), 3), round(s.recall(), 3)) == (fig["precision"], fig["recall"])
    m = measure_ml(LABELS / "ml_projects.csv", split)
    ml = classifier_accuracy.ML_PROJECT[split]
    assert (m.right, m.repos, m.ml, m.wrong) == (ml["right"], ml["repos"], ml["ml"], ml["wrong"])
    assert (round(m.precision(), 3), round(m.recall(), 3)) == (ml["precision"], ml["recall"])
    # a change that loses labels fails here
    assert s.right / s.n >= (0.99 if split == "tuning" else 0.95)


def test_bench_script_prints_every_split():
    out = subprocess.run([sys.executable, "bench/classifiers.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout
    for what in ("bug-fix classifier", "revert detection"):
        assert sum(line.startswith(what) for line in out.splitlines()) == 3


@pytest.mark.parametrize(("title", "rule"), [
    ("fix(css): avoid warnings for image-set", 3),  # conventional fix
    ("docs: fix typo in the guide", 0),  # a docs type is no bug fix, "fix" or not
    ("chore: fix clippy warnings", 0),
    ("fix(playground): typecheck", 0),  # a fix scoped to what users do not run
    ("BUG: Fix searchsorted byte-swapping logic", 5),  # numpy-style prefixes
    ("DOC: Fix typo in absolute_beginners.rst", 0),
    ("TYP: Fix several typing issues", 0),
    ("BUG: Fix test_feature failing without BASELINE", 0),  # a BUG: title about a test
    ("openssl: fix DER buffer leak", 4),  # area prefixes
    ("DISTROS: fix a Mageia URL", 0),
    ("Fix typos in the documentation", 0),
    ("Fix off-by-one error.", 4),
    ("Add query params to the API.", 0),  # a feature
    ("Close responses when cancellations occur, avoid a leak", 6),  # no "fix", still a fix
    ('Revert "Fix crash on empty input"', 0),  # a revert is no bug fix
    ("Make model rebuilding logic thread safe", 7),  # the damage, named without "fix"
    ("Stop cleaning corrupt cask dirs", 7),
    ("Handle default ports in WSGITransport", 8),  # a leading repair verb
    ("stop using the word 'just'", 0),  # "stop using" is a refactor
    ("Raise SIGINT when dying by ^C", 7),
    ("Reset Bootsnap after installing gems", 8),
    ("Close responses when cancellations occur during reading", 9),  # behaviour under a condition
    ("Add a --json flag when the output is piped", 0),  # a feature verb opens it
    ("Show error if pattern matches leading dot", 0),  # an error shown is a feature
    ("fix(cli): remove extraneous comma in task --eval help", 0),  # help text is documentation
])
def test_title_rules(title, rule):
    assert bugfix_rules.classify(title) == rule


def test_labels_decide_before_the_title():
    assert bugfix_rules.classify("docs: tidy", labels=["bug"]) == 1
    assert bugfix_rules.classify("Add a thing", linked_issue_labels=["Type: Bug"]) == 2
    # a label that says it is something else decides too, before a title that says "fix"
    assert bugfix_rules.classify("Fix crash in the parser", labels=["documentation"]) == 0
    assert bugfix_rules.classify("Fix crash in the parser", labels=["enhancement", "bug"]) == 1


@pytest.mark.parametrize(("title", "head_ref", "body", "want"), [
    ('Revert "Add b (#2)"', "", "", True),
    ("REV: Revert part of #30164", "", "", True),
    ("MAINT: back out conversion of npymath to c++", "", "", True),
    ("fix: revert #7463 and #6624", "", "", True),
    ("build: detect and include `inttypes.h` again (revert)", "", "", True),
    ("Undo change in 3845.", "", "", True),
    ("", "revert-17373-cp-reflink", "", True),  # GitHub's revert branch, no title
    ("superenv: remove a filter", "", "This reverts commit 61d8a8e029079ca1922df7", True),
    ('Revert "Revert "services: add loaded_file data""', "", "", False),  # lands it again
    ('Reapply "formula: configure git to ignore .brew_home"', "", "", False),
    ("Reland refactor(cli): use new sanitizer", "", "", False),
    ("Improve @-versioned formulae linking.", "revert-9016-revert-9009-improve", "", False),
    ("Undocument `brew versions`", "", "", False),
    ("utils/github: fix reverted order of credentials", "", "", False),
])
def test_revert_detection(title, head_ref, body, want):
    assert is_revert(title, head_ref, body) is want


def test_every_report_says_how_accurate_the_classifiers_are(demo_store):
    from casestudy.render import render
    from casestudy.report.build import Options, build_case_study

    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",)))
    text = summary()
    assert all(c.classifier_accuracy == text for c in cs.completeness)
    md = render(cs, "md")
    assert f"Classifiers measured against hand-labelled data (`tests/data/labels`): {text}." in md
    # the bug-fix share's definition says how accurate its classifier is
    assert "Measured on hand-labelled titles: precision 0.91, recall 0.82 on 228 held-out " \
        "titles" in md
    html = render(cs, "html")
    assert "bug-fix classifier: precision 0.91, recall 0.82 on 228 held-out titles" in html
