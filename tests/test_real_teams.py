"""Teams by monorepo paths on a real clone (``make validate``, not the default suite):
Homebrew/brew synced with ``sync-git``, teams of its folders and of its shell files, each team's
PRs the very ones plain ``git log --first-parent -- PATH`` names, and its merged human PRs in the
organisation view their count. Skipped when the clone is absent."""

from __future__ import annotations

import re
import subprocess

import pytest

from casestudy.cli.main import main
from casestudy.report.org import build_org_view
from casestudy.sources.team_list import matches_any, parse_teams
from casestudy.store import Store
from tests.test_real_clones import CLONES

pytestmark = pytest.mark.real
NAME = "Homebrew/brew"
PR = re.compile(r"^Merge pull request #(\d+) |\(#(\d+)\)$")
TEAMS = {  # team: (its glob, the same as a git pathspec)
    "cask": ("Library/Homebrew/cask/**", "Library/Homebrew/cask"),
    "tests": ("Library/Homebrew/test/", "Library/Homebrew/test"),
    "docs": ("docs", "docs"),
    "shell": ("**/*.sh", ":(glob)**/*.sh"),
}


def test_path_teams_on_homebrew_are_what_git_log_says(tmp_path):
    path = CLONES.get(NAME)
    if path is None or not ((path / "HEAD").exists() or (path / ".git").exists()):
        pytest.skip(f"no clone of {NAME}")
    db = str(tmp_path / "s.sqlite")
    assert main(["sync-git", str(path), "--repo", NAME, "--db", db]) == 0
    store = Store(db)
    prs = {p.number: p for p in store.pull_requests(NAME)}
    files = store.pr_files(NAME)
    text = "".join(f'[[team]]\nname = "{k}"\nrepos = ["{NAME}"]\npaths = ["{g}"]\n'
                   for k, (g, _) in TEAMS.items())
    view = build_org_view(store, None, teams=parse_teams(text), since="2009-01",
                          until="2030-12")
    by = {u.name: u for u in view.teams}
    for team, (glob, spec) in TEAMS.items():
        log = subprocess.run(["git", "-C", str(path), "log", "--first-parent", "--format=%s",
                              "--", spec], capture_output=True, text=True, check=True).stdout
        named = {int(m.group(1) or m.group(2)) for s in log.splitlines()
                 if (m := PR.search(s))}
        ours = {n for p, ns in files.items() if matches_any(p, (glob,)) for n in ns}
        assert ours == named & set(prs) and len(ours) > 100, team
        human = sum(prs[n].merged_at is not None and not prs[n].author_is_bot for n in named
                    if n in prs)
        assert by[team].merged == human, team
        print(f"{team}: {len(ours)} PRs by git log and by stored files; {human} human merged")
