"""Two-parent landings that name their PR (issue 28, point 4): a hand or merge-queue merge
``… (#N)`` and a bors ``Auto merge of #N`` take their first-commit time and author from the
PR's own commits (M^1..M^2), bots are found from those authors, and the merger is the merger;
every figure worked out by hand from the dates below."""

from __future__ import annotations

from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import git
from tests.test_git_dora import DAY, T0, new_repo

H = 3600


def _branch(r, name: str, commits: list[tuple[str, int, str]]) -> None:
    """A branch off main whose commits touch a file of their own (no conflicts)."""
    git(r, "checkout", "-q", "-b", name)
    f = r / f"{name}.txt"
    for msg, when, author in commits:
        f.write_text((f.read_text() if f.exists() else "") + msg + "\n")
        git(r, "add", f.name)
        git(r, "commit", "-q", "-m", msg, when=when, author=author)
    git(r, "checkout", "-q", "main")


def _merge(r, name: str, subject: str, when: int, merger: str, body: str = "") -> None:
    args = ["merge", "-q", "--no-ff", name, "-m", subject]
    if body:
        args += ["-m", body]
    git(r, *args, when=when, author=merger, committer=merger)


def test_two_parent_merges_naming_their_pr_are_read_like_merge_button_merges(tmp_path):
    r = new_repo(tmp_path, "queue")
    bot = "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>"
    _branch(r, "deps", [("Bump foo from 1.0 to 1.1", T0 + DAY, bot)])
    _branch(r, "feature", [("Start the feature", T0 + 2 * DAY, "Carol <c@x.org>"),
                           ("Finish the feature", T0 + 3 * DAY, "Carol <c@x.org>")])
    _branch(r, "fix", [("Fix the parser", T0 + 4 * DAY, "Dan <d@x.org>")])
    _merge(r, "deps", "Bump foo from 1.0 to 1.1 (#11)", T0 + 5 * DAY, "Mona <m@x.org>")
    _merge(r, "feature", "Add the feature (#12)", T0 + 6 * DAY, "Mona <m@x.org>")
    _merge(r, "fix", "Auto merge of #13 - dan:fix, r=mona", T0 + 7 * DAY,
           "bors <bors@rust-lang.org>", body="Fix the parser")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    prs = {p.number: p for p in s.pull_requests("octo/queue")}
    assert set(prs) == {11, 12, 13}
    # the dependabot PR: its author is the bot that wrote the commit, not the human merger
    assert prs[11].author.startswith("dependabot") and prs[11].author_is_bot
    assert prs[11].first_commit_at == T0 + DAY and prs[11].merged_by == "Mona"
    assert prs[11].title == "Bump foo from 1.0 to 1.1"
    # a human PR of two commits: the first commit's time, its author
    assert prs[12].author == "Carol" and not prs[12].author_is_bot
    assert prs[12].first_commit_at == T0 + 2 * DAY and prs[12].merged_at == T0 + 6 * DAY
    # bors: the PR's title from the merge body, its branch, its author
    assert prs[13].author == "Dan" and prs[13].head_ref == "fix"
    assert prs[13].first_commit_at == T0 + 4 * DAY and prs[13].title == "Fix the parser"
