"""Teams declared in a small TOML file, for organisation views (``report/org.py``):

    [[team]]
    name = "platform"
    repos = ["acme/api", "acme/gateway"]   # every PR of these repositories
    people = ["alice", "bob"]              # and every PR these logins authored, anywhere

    [[team]]
    name = "billing"
    repos = ["acme/monorepo"]              # with paths: the monorepo(s) the paths are in
    paths = ["services/billing/**", "libs/money"]

A PR belongs to a team when its repository is the team's, its author is one of the team's
people, or — for a team with paths — it changed a file matching one of the paths in one of the
team's repositories (every repository of the view when the team names none). A path is a glob
from the repository's root: ``*`` and ``?`` stay within a folder, ``**`` crosses folders, and a
pattern also matches everything under a folder it names (``services/api`` = ``services/api/**``).
Paths need each PR's changed files, which the store keeps for git clones (``sync-git``) and for
GitHub repositories synced with ``--files`` (``casestudy sync owner/name --files``, or the app's
"Read each PR's changed files"); GitLab syncs and imports do not fetch them. A repository whose
PRs' files are not all known — a GitHub repository whose older PRs were synced before files were
asked for — is not placed by path at all (a partial count would look like a whole one): the
view says for how many of its PRs files are known, and a re-sync with ``--files`` reads the
others once. A PR may belong to several teams.

A file comes from the operator (the command line, or the app's server setting) or from a visitor
pasting or uploading one, so it is read strictly: at most ``MAX_BYTES`` of UTF-8, ``MAX_TEAMS``
teams, known fields only, lists of short one-line text, unique names; every refusal is one
sentence naming the team and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_BYTES = 64 * 1024  # a team file larger than this is refused before it is parsed
MAX_TEAMS = 200
MAX_ENTRIES = 1000  # repositories, people or paths of one team
MAX_NAME = 100  # characters of a team's name
MAX_TEXT = 300  # characters of one repository, login or path
FIELDS = ("name", "repos", "people", "paths")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class TeamListError(ValueError):
    """A team file that cannot be used, with the team and field named."""


@dataclass(frozen=True)
class Team:
    name: str
    repos: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


def _text(value: object, limit: int) -> str | None:
    """``value`` when it is usable text (one line, no control or direction characters, within
    ``limit``, not blank), else None."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return None if _CONTROL.search(value) else value.strip()


def _path_ok(p: str) -> bool:
    return not p.startswith("/") and ".." not in p.split("/") and "\\" not in p


def parse_teams(text: str | bytes, origin: str = "team file") -> list[Team]:
    """The teams of a team file's text, checked; ``origin`` begins every refusal (a file's name,
    or words such as "the pasted teams" — never a server path shown to a visitor)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise TeamListError(f"{origin}: larger than {MAX_BYTES // 1024} KB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TeamListError(f"{origin}: not UTF-8 text") from exc
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise TeamListError(f"{origin}: larger than {MAX_BYTES // 1024} KB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TeamListError(f"{origin}: not valid TOML: {exc}") from exc
    unknown_top = set(data) - {"team"}
    if unknown_top:
        raise TeamListError(f"{origin}: unknown top-level {', '.join(sorted(unknown_top))[:200]}"
                            " (write each team as a [[team]] table)")
    raw = data.get("team")
    if not isinstance(raw, list) or not raw:
        raise TeamListError(f"{origin}: no [[team]] entries")
    if len(raw) > MAX_TEAMS:
        raise TeamListError(f"{origin}: {len(raw)} teams, at most {MAX_TEAMS}")
    out: list[Team] = []
    for k, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise TeamListError(f"{origin}: team {k} is not a [[team]] table")
        name = _text(item.get("name"), MAX_NAME)
        if name is None:
            raise TeamListError(f"{origin}: team {k} needs a name: one line of text, at most "
                                f"{MAX_NAME} characters")
        label = f"{origin}: team {k} ({name})"
        unknown = set(item) - set(FIELDS)
        if unknown:
            raise TeamListError(f"{label}: unknown field {', '.join(sorted(unknown))[:200]} "
                                f"(fields: {', '.join(FIELDS)})")
        lists: dict[str, tuple[str, ...]] = {}
        for key in FIELDS[1:]:
            value = item.get(key, [])
            if not isinstance(value, list):
                raise TeamListError(f"{label}: {key} must be a list of text")
            if len(value) > MAX_ENTRIES:
                raise TeamListError(f"{label}: {key} has {len(value)} entries, at most "
                                    f"{MAX_ENTRIES}")
            texts = [_text(v, MAX_TEXT) for v in value]
            bad = next((i for i, t in enumerate(texts) if t is None), None)
            if bad is not None:
                raise TeamListError(f"{label}: {key} must be a list of text (entry {bad + 1} is "
                                    f"not one line of at most {MAX_TEXT} characters)")
            lists[key] = tuple(dict.fromkeys(t for t in texts if t is not None))
        for p in lists["paths"]:
            if not _path_ok(p):
                raise TeamListError(f"{label}: paths are relative to the repository's root "
                                    "(no leading /, no .., no backslash)")
        if not any(lists.values()):
            raise TeamListError(f"{label} names no repositories, people or paths")
        out.append(Team(name, **lists))
    names = [t.name for t in out]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise TeamListError(f"{origin}: the team name {twice!r} is used twice")
    return out


def read_team_bytes(path: Path, origin: str | None = None) -> bytes:
    """A team file's bytes, refused above ``MAX_BYTES`` before they are read; refusals begin
    with ``origin`` (default: the path) and never quote the system's message, which may hold
    the path."""
    origin = origin or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise TeamListError(f"{origin}: larger than {MAX_BYTES // 1024} KB")
        return path.read_bytes()
    except OSError as exc:
        raise TeamListError(f"{origin}: cannot be read ({exc.strerror or 'error'})") from exc


def read_team_list(path: Path, origin: str | None = None) -> list[Team]:
    """The teams of a file, checked (``parse_teams``); refusals begin with ``origin`` (default:
    the path)."""
    return parse_teams(read_team_bytes(path, origin), origin or str(path))


@lru_cache(maxsize=512)
def path_pattern(glob: str) -> re.Pattern[str]:
    """A team's path glob as a regular expression over repository paths: ``**`` crosses
    folders, ``*`` and ``?`` stay within one, and a folder's name also matches what it holds."""
    out, i = [], 0
    glob = glob.strip("/") if glob != "/" else ""
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?", re.DOTALL)


def matches_any(path: str, globs: tuple[str, ...]) -> bool:
    """Whether a repository path matches one of a team's path globs."""
    return any(path_pattern(g).fullmatch(path) for g in globs)
