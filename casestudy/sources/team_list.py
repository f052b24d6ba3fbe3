"""Teams declared in a small TOML file, for organisation views (``report/org.py``):

    [[team]]
    name = "platform"
    repos = ["acme/api", "acme/gateway"]   # every PR of these repositories
    people = ["alice", "bob"]              # and every PR these logins authored, anywhere
    paths = ["services/billing/"]          # monorepo paths (needs per-PR file lists: not yet)

A PR belongs to a team when its repository is the team's or its author is one of the team's
people; a PR may belong to several teams.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class TeamListError(ValueError):
    """A team file that cannot be used, with the team and field named."""


@dataclass(frozen=True)
class Team:
    name: str
    repos: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    paths: tuple[str, ...] = field(default=())


def read_team_list(path: Path) -> list[Team]:
    """The teams of a file, checked: a name, known fields, lists of text, unique names."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TeamListError(f"{path}: {exc}") from exc
    raw = data.get("team")
    if not isinstance(raw, list) or not raw:
        raise TeamListError(f"{path}: no [[team]] entries")
    out: list[Team] = []
    for k, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise TeamListError(f"{path}: team {k} has no name")
        unknown = set(item) - {"name", "repos", "people", "paths"}
        if unknown:
            raise TeamListError(f"{path}: team {item['name']}: unknown "
                                f"{', '.join(sorted(unknown))}")
        lists = {}
        for key in ("repos", "people", "paths"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TeamListError(f"{path}: team {item['name']}: {key} must be a list of text")
            lists[key] = tuple(value)
        if not lists["repos"] and not lists["people"] and not lists["paths"]:
            raise TeamListError(f"{path}: team {item['name']} names no repositories, people "
                                "or paths")
        out.append(Team(item["name"], **lists))
    names = [t.name for t in out]
    if len(set(names)) != len(names):
        raise TeamListError(f"{path}: a team name is used twice")
    return out
