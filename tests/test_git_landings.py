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


def test_gitlab_gerrit_and_phabricator_landings_are_recognised_and_counted(tmp_path):
    r = new_repo(tmp_path, "forges")
    _branch(r, "feat", [("WIP parser", T0 + DAY, "Erin <e@x.org>"),
                        ("Parser done", T0 + DAY + 5 * H, "Erin <e@x.org>")])
    _merge(r, "feat", "Merge branch 'feat' into 'main'", T0 + 2 * DAY, "Mona <m@x.org>",
           body="Add a parser\n\nSee merge request group/forges!42")
    (r / "g.txt").write_text("g\n")
    git(r, "add", "g.txt")
    # Gerrit: the author's date is kept when the change is submitted two days later
    git(r, "commit", "-q", "-m", "Fix the lexer\n\n"
        "Change-Id: I0123456789abcdef0123456789abcdef01234567\n"
        "Reviewed-on: https://review.example.org/c/forges/+/1234\nReviewed-by: Mona <m@x.org>",
        when=T0 + 3 * DAY, author="Finn <f@x.org>")
    (r / "p.txt").write_text("p\n")
    git(r, "add", "p.txt")
    git(r, "commit", "-q", "-m", "Speed up the cache\n\nDifferential Revision: "
        "https://reviews.example.org/D777", when=T0 + 4 * DAY, author="Gus <g@x.org>")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    prs = {p.number: p for p in s.pull_requests("octo/forges")}
    assert set(prs) == {42, 1234, 777}
    mr = prs[42]
    assert (mr.title, mr.author, mr.merged_by, mr.head_ref) == ("Add a parser", "Erin",
                                                                  "Mona", "feat")
    assert mr.first_commit_at == T0 + DAY and mr.merged_at == T0 + 2 * DAY
    assert "github.com" not in mr.url
    assert prs[1234].author == "Finn" and prs[1234].first_commit_at == T0 + 3 * DAY
    assert prs[1234].url == "https://review.example.org/c/forges/+/1234"
    assert prs[777].url == "https://reviews.example.org/D777"
    assert prs[777].first_commit_at is None  # arc land squashes: no first-commit time
    note = next(x for x in s.summary() if x.repo == "octo/forges").landings
    assert note == ("landings on main: 1 GitLab merge requests, 1 Gerrit changes, "
                    "1 Phabricator revisions")
