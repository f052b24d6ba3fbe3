"""The GitHub source detects reverts by the git source's rules (one definition,
``sources.reverts``): the hand-labelled revert set and the conventions one by one, served by the
fake GitHub on 127.0.0.1 and read through real PyGithub."""

from __future__ import annotations

import copy
from pathlib import Path

from casestudy import classifier_accuracy
from casestudy.classifier_check import load
from casestudy.sources.github import GitHubClient
from casestudy.sources.reverts import detect
from casestudy.store import Store
from tests.fakegithub.server import FakeGitHub, FakeRepo, generate_repo

TOKEN = "good-token"
LABELS = Path(__file__).parent / "data" / "labels" / "reverts.csv"

# (title, head branch, description) -> (is a revert, the reverted PR)
CASES = [
    ('Revert "Add b (#2)"', "patch-1", "", (True, 2)),
    ("REV: Revert part of #30164", "rev-part", "", (True, None)),
    ("MAINT: back out conversion of npymath to c++", "backout", "", (True, None)),
    ("fix: revert #7463 and #6624", "fix-it", "", (True, 7463)),
    ("", "revert-3-cp-reflink", "", (True, 3)),  # GitHub's revert button, no title
    ("superenv: remove a filter", "tidy", "This reverts commit 61d8a8e029079ca1922df7.",
     (True, None)),
    ('Revert "Make the cache faster"', "undo-cache",
     "Reverted https://github.com/acme/widgets/pull/4 on behalf of https://github.com/bot",
     (True, 4)),
    ('Revert "Revert "services: add loaded_file data""', "again", "", (False, None)),
    ('Reapply "formula: configure git to ignore .brew_home"', "reapply", "", (False, None)),
    ("Reland refactor(cli): use new sanitizer", "reland", "", (False, None)),
    ("Improve @-versioned formulae linking.", "revert-9016-revert-9009-improve", "",
     (False, None)),
    ("Undocument `brew versions`", "docs", "", (False, None)),
]


def _repo(rows: list[tuple[str, str, str]]) -> FakeRepo:
    """A repository whose merged PRs into main carry the given titles, branches and
    descriptions (the rest of each PR from the generated template)."""
    base = generate_repo("acme", "widgets", 40, seed=5, with_deployments=False)
    template = next(p for p in base.prs if p["mergedAt"] and p["baseRefName"] == "main")
    repo = FakeRepo("acme", "widgets")
    for i, (title, head, body) in enumerate(rows, start=1):
        p = copy.deepcopy(template)
        p.update(number=i, title=title, headRefName=head, body=body, labels=[],
                 url=f"https://github.com/acme/widgets/pull/{i}",
                 mergeCommit={"oid": f"{i:040x}"}, updatedAt=template["updatedAt"] + i)
        repo.prs.append(p)
    return repo


def _sync(tmp_path: Path, repo: FakeRepo) -> dict[int, tuple[bool, int | None]]:
    with FakeGitHub(tokens={TOKEN: set()}) as fake:
        fake.add(repo)
        gh = GitHubClient(TOKEN, base_url=fake.base_url, min_interval=None)
        s = Store(tmp_path / "s.sqlite")
        gh.sync(s, "acme/widgets")
    return {p.number: (p.is_revert, p.reverted_number) for p in s.pull_requests("acme/widgets")}


def test_each_revert_convention_through_github(tmp_path):
    got = _sync(tmp_path, _repo([(t, h, b) for t, h, b, _ in CASES]))
    for i, (title, head, body, want) in enumerate(CASES, start=1):
        assert got[i] == want, (title, head)
        assert got[i] == detect(title, head, body)  # the same answer as the git source's


def test_labelled_reverts_score_the_same_through_github(tmp_path):
    """The labelled revert set's held-out rows as GitHub PRs: the GitHub source's precision and
    recall are the measured ones each report quotes."""
    rows = [r for r in load(LABELS) if r["split"] == "held-out"]
    got = _sync(tmp_path, _repo([(r["title"], r["head_ref"], r["body_first_line"])
                                 for r in rows]))
    want = [r["label"] == "revert" for r in rows]
    found = [got[i][0] for i in range(1, len(rows) + 1)]
    tp = sum(w and f for w, f in zip(want, found, strict=True))
    precision, recall = tp / sum(found), tp / sum(want)
    fig = classifier_accuracy.REVERT
    assert (len(rows), round(precision, 3), round(recall, 3)) == (
        fig["n"], fig["precision"], fig["recall"])
