"""Backports and long-lived landing branches (issue 28, points 2 and 3), on repositories built
here with fixed dates: a fix merged to main and copied to a maintenance branch ships with the
patch release that carries the copy (a ``cherry picked from`` trailer, the PR number in the
copy's subject, or the same patch under the same subject), and PRs landed on a ``stable``
branch merged back into main are read once, with the branch they landed on. Every figure is
worked out by hand from the dates below."""

from __future__ import annotations

from pathlib import Path

from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import git
from tests.test_git_dora import DAY, T0, month_stats, new_repo, prs_by_number, tag

H = 3600


def change(r: Path, name: str, msg: str, when: int, author: str = "Alice <a@x.org>",
           text: str = "") -> str:
    """A commit adding or rewriting a file of its own (copies apply without conflicts)."""
    (r / name).write_text((text or msg) + "\n")
    git(r, "add", name)
    git(r, "commit", "-q", "-m", msg, when=when, author=author)
    return git(r, "rev-parse", "HEAD")


def merge_pr(r: Path, number: int, branch: str, when: int, title: str) -> None:
    git(r, "merge", "-q", "--no-ff", branch, "-m",
        f"Merge pull request #{number} from octo/{branch}", "-m", title, when=when)


def test_a_fix_copied_to_a_maintenance_branch_ships_with_the_patch_release(tmp_path):
    r = new_repo(tmp_path, "backports")
    change(r, "a.txt", "Add a (#1)", T0 + 1 * DAY)
    git(r, "checkout", "-q", "-b", "maintenance/1.0.x")
    tag(r, "v1.0.0", T0 + 2 * DAY)
    git(r, "checkout", "-q", "main")
    fix_b = change(r, "b.txt", "Fix b (#2)", T0 + 3 * DAY)
    change(r, "c.txt", "Fix c (#3)", T0 + 4 * DAY)
    git(r, "checkout", "-q", "-b", "feat-d")
    add_d = change(r, "d.txt", "Add d", T0 + 4 * DAY + 12 * H, author="Dan <d@x.org>")
    git(r, "checkout", "-q", "main")
    merge_pr(r, 4, "feat-d", T0 + 5 * DAY, "Add d")
    git(r, "checkout", "-q", "-b", "feat-e")
    change(r, "e.txt", "Update docs", T0 + 5 * DAY + 12 * H)
    git(r, "checkout", "-q", "main")
    merge_pr(r, 5, "feat-e", T0 + 6 * DAY, "Update docs")
    # the maintenance branch: #2 by `cherry-pick -x`, #3 rewritten under a subject naming it,
    # #4's commit by a plain cherry-pick (same patch, same subject), and a commit that shares
    # #5's subject but not its patch (not a copy)
    git(r, "checkout", "-q", "maintenance/1.0.x")
    git(r, "cherry-pick", "-x", fix_b, when=T0 + 7 * DAY)
    change(r, "c.txt", "[1.0.x] Fix c differently (#3)", T0 + 7 * DAY + H, text="c, 1.0 style")
    git(r, "cherry-pick", add_d, when=T0 + 7 * DAY + 2 * H)
    change(r, "docs-1.0.txt", "Update docs", T0 + 7 * DAY + 3 * H)
    tag(r, "v1.0.1", T0 + 8 * DAY)
    git(r, "checkout", "-q", "main")
    change(r, "b.txt", 'Revert "Fix b (#2)" (#6)', T0 + 9 * DAY, text="b undone")
    tag(r, "v1.1.0", T0 + 10 * DAY)

    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    prs = prs_by_number(s, "octo/backports")
    assert set(prs) == {1, 2, 3, 4, 5, 6}
    assert {n: p.base_ref for n, p in prs.items()} == dict.fromkeys(prs, "main")
    # the copies ship #2, #3 and #4 in 1.0.1; #5 and the revert wait for 1.1.0
    deployed = {n: (p.deployed_at - T0) / DAY for n, p in prs.items()}
    assert deployed == {1: 2, 2: 8, 3: 8, 4: 8, 5: 10, 6: 10}
    assert prs[4].first_commit_at == T0 + 4 * DAY + 12 * H and prs[4].author == "Dan"
    st = month_stats(s, "octo/backports")
    # deploy times 1, 5, 4, 3, 4 and 1 days: median 3.5 days (without the copies: 1, 7, 6, 5,
    # 4, 1 -> 4.5 days)
    assert st["deploy"]["n"] == 6 and st["deploy"]["median"] == 3.5 * DAY
    # lead time: the merges have first commits, #4 on day 4.5 (shipped in 1.0.1 on day 8:
    # 3.5 days) and #5 on day 5.5 (1.1.0 on day 10: 4.5 days); median 4 days (without the
    # copy: 5.5 and 4.5 -> 5 days)
    assert st["lead_time"]["n"] == 2 and st["lead_time"]["median"] == 4 * DAY
    # #2 shipped in 1.0.1 (day 8) and its revert in 1.1.0 (day 10): one failed deployment of
    # three, restored in 2 days (without the copy the revert would ship with #2: caught)
    assert st["deploy_frequency"]["n"] == 3
    assert st["change_failure_rate"]["failed"] == 1 and st["change_failure_rate"]["n"] == 3
    assert st["time_to_restore"]["median"] == 2 * DAY
    note = next(x for x in s.summary() if x.repo == "octo/backports").branches
    assert note == ("branches read: main (the default branch); 3 release-branch commits copy a "
                    "default-branch change (1 by cherry-pick trailers, 1 by PR numbers in the "
                    "subject, 1 by same patch and subject, read where the copy ships first); the "
                    "change ships with the first "
                    "release carrying it or a copy")


def test_a_backport_pr_whose_branch_names_the_prs_ships_them(tmp_path):
    """numpy's shape: a backport PR on the maintenance branch, ``charris/backport-1-2``, whose
    commits were rewritten (neither subject nor patch matches) ships both PRs it names."""
    r = new_repo(tmp_path, "named")
    git(r, "checkout", "-q", "-b", "maintenance/2.0.x")
    tag(r, "v2.0.0", T0 + DAY)
    git(r, "checkout", "-q", "main")
    change(r, "a.txt", "Fix a (#1)", T0 + 2 * DAY)
    change(r, "b.txt", "Fix b (#2)", T0 + 3 * DAY)
    change(r, "c.txt", "Fix c (#3)", T0 + 4 * DAY)
    git(r, "checkout", "-q", "maintenance/2.0.x")
    git(r, "checkout", "-q", "-b", "backport-1-2")
    change(r, "ab.txt", "BUG: fix a and b for 2.0", T0 + 5 * DAY, text="a and b, 2.0 style")
    git(r, "checkout", "-q", "maintenance/2.0.x")
    git(r, "merge", "-q", "--no-ff", "backport-1-2", "-m",
        "Merge pull request #9 from charris/backport-1-2", when=T0 + 6 * DAY)
    tag(r, "v2.0.1", T0 + 7 * DAY)
    git(r, "checkout", "-q", "main")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    prs = prs_by_number(s, "octo/named")
    assert set(prs) == {1, 2, 3}  # the backport PR itself is not a default-branch change
    assert {n: p.deployed_at for n, p in prs.items()} == {1: T0 + 7 * DAY, 2: T0 + 7 * DAY,
                                                          3: None}
    note = next(x for x in s.summary() if x.repo == "octo/named").branches
    assert "1 release-branch commit copies a default-branch change (1 by PR numbers" in note


def test_prs_landed_on_a_stable_branch_merged_back_are_read_once(tmp_path):
    r = new_repo(tmp_path, "stable")
    change(r, "a.txt", "Add a (#1)", T0 + 1 * DAY)
    git(r, "checkout", "-q", "-b", "stable")
    change(r, "x.txt", "Fix x (#10)", T0 + 2 * DAY, author="Erin <e@x.org>")
    git(r, "checkout", "-q", "-b", "fix-w")
    change(r, "w.txt", "Fix w", T0 + 2 * DAY + 12 * H, author="Finn <f@x.org>")
    git(r, "checkout", "-q", "stable")
    merge_pr(r, 13, "fix-w", T0 + 3 * DAY, "Fix w on stable")
    change(r, "y.txt", "Fix y (#11)", T0 + 3 * DAY + 12 * H, author="Erin <e@x.org>")
    tag(r, "v1.0.1", T0 + 4 * DAY)
    git(r, "checkout", "-q", "main")
    change(r, "b.txt", "Add b (#2)", T0 + 5 * DAY)
    git(r, "merge", "-q", "--no-ff", "stable", "-m", "Merge branch 'stable'", when=T0 + 6 * DAY)
    git(r, "checkout", "-q", "stable")
    change(r, "z.txt", "Fix z (#12)", T0 + 7 * DAY, author="Gus <g@x.org>")
    git(r, "checkout", "-q", "main")
    tag(r, "v1.1.0", T0 + 8 * DAY)
    # a maintenance branch never merged back: its PRs are copies, not landings
    git(r, "checkout", "-q", "-b", "maintenance/0.9.x", "HEAD~2")
    change(r, "old.txt", "Fix old (#20)", T0 + 9 * DAY)
    git(r, "checkout", "-q", "main")

    s = Store(tmp_path / "s.sqlite")
    c = sync_git(s, r)
    prs = prs_by_number(s, "octo/stable")
    assert c["prs"] == 6 and set(prs) == {1, 2, 10, 11, 12, 13}
    assert {n: p.base_ref for n, p in prs.items()} == {
        1: "main", 2: "main", 10: "stable", 11: "stable", 12: "stable", 13: "stable"}
    deployed = {n: (p.deployed_at - T0) / DAY if p.deployed_at else None
                for n, p in prs.items()}
    # 1.0.1 on stable carries #1 (before the fork), #10, #13 and #11; 1.1.0 on main carries #2
    assert deployed == {1: 4, 10: 4, 13: 4, 11: 4, 2: 8, 12: None}
    assert prs[13].author == "Finn" and prs[13].first_commit_at == T0 + 2 * DAY + 12 * H
    assert prs[13].merged_at == T0 + 3 * DAY and prs[13].title == "Fix w on stable"
    assert prs[12].author == "Gus" and prs[12].merged_at == T0 + 7 * DAY
    assert prs[10].additions == 1 and prs[10].changed_files == 1  # measured off the mainline
    st = month_stats(s, "octo/stable")
    # merged 6; deploy times 3 (#1), 2 (#10), 1 (#13), 0.5 (#11), 3 (#2) days: median 2 days
    assert st["throughput"]["value"] == 6
    assert st["deploy"]["n"] == 5 and st["deploy"]["median"] == 2 * DAY
    assert st["contributors"]["value"] == 4  # Alice, Erin, Finn, Gus
    note = next(x for x in s.summary() if x.repo == "octo/stable").branches
    assert note == ("branches read: main (the default branch), stable (4 PRs landed there, "
                    "merged back into main)")
    cs = build_case_study(s, Options("octo/stable"))
    notes = " ".join(n for src in cs.sources for n in src.notes)
    assert "Branches read: main (the default branch), stable (4 PRs landed there" in notes


def test_patch_ids_skip_a_commit_whose_contents_the_clone_lacks(tmp_path):
    """A snapshot or partial clone may lack a file's contents: that commit gets no patch-id,
    the commits after it still do (one pipe each time diff-tree stops)."""
    from casestudy.sources.backports import _patch_ids

    r = new_repo(tmp_path, "partial")
    shas = [change(r, f"f{k}.txt", f"Change {k}", T0 + k * DAY, text=f"content {k}")
            for k in range(1, 5)]
    blob = git(r, "rev-parse", f"{shas[1]}:f2.txt")
    (r / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (r / "f2.txt").unlink()  # else git reads the missing contents from the work tree
    ids = _patch_ids(r, shas)
    assert set(ids) == set(shas) - {shas[1]}
    # the same patch under another commit has the same id; a different patch does not
    git(r, "checkout", "-q", "-b", "other", shas[0])
    git(r, "cherry-pick", shas[2], when=T0 + 9 * DAY)
    copy = git(r, "rev-parse", "HEAD")
    again = _patch_ids(r, [copy, *shas])
    assert again[copy] == ids[shas[2]] and len(set(ids.values())) == 3
