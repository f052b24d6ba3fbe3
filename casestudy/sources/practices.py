"""Read a repository for the engineering-practice audit: its tree at HEAD (which paths prove which
practice, ``practice_rules``), the text of its dependency files (ML frameworks, pinned
requirements, tool configs), and — from a clone — its mainline history in one pass: when each
practice's first file appeared, and which merged PRs changed code and which changed tests.

A clone costs two cheap git commands (``ls-tree -r`` and one ``log --first-parent --name-only
--no-renames``: no file contents, ~1 s on Homebrew/brew) plus one ``cat-file --batch`` for the
dependency files. GitHub costs one tree request (REST) and one GraphQL query for the dependency
files; GitHub has no history pass (the audit says so).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .. import practice_rules as rules
from ..ai_rules import is_ai_instruction
from ..source_kinds import GIT

RS, US = "\x1e", "\x1f"
MAX_EVIDENCE = 20
MAX_CODE_FILES = 2000  # Python files read for imports (the shallowest first)


def audit_paths(paths: list[str], texts: dict[str, str],
                code_texts: dict[str, str] | None = None) -> dict:
    """The audit of a tree: per practice the paths (and dependency files, or imports in
    ``code_texts``, the project's own code) that prove it, the ML frameworks its runtime
    dependencies name (not test, dev or docs extras), and file counts."""
    matches: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for p in rules.PRACTICES:
        hits = sorted((x for x in paths if rules.matching(p, x)),
                      key=lambda x: (x.count("/"), x))  # the shallowest first: the clearest proof
        counts[p.key] = len(hits)
        matches[p.key] = hits[:MAX_EVIDENCE]
    content: dict[str, list[str]] = {}
    for p in rules.PRACTICES:
        if p.content is None:
            continue
        read = (code_texts or {}) if p.key == "experiment_tracking" else texts
        found = [f"{f} ({why})" for f, text in sorted(read.items())
                 if (why := _proves(p, f, text))]
        if found:
            content[p.key] = found
    frameworks: dict[str, str] = {}
    for f, text in sorted(texts.items()):
        if f.endswith(".gitattributes"):
            continue
        for m in rules.ML_REQUIREMENT.finditer(rules.runtime_requirements(f, text)):
            frameworks.setdefault(m.group(1).lower(), f)
    importers: dict[str, list[str]] = {}
    for f, text in sorted((code_texts or {}).items()):
        for name in {m.group(1).lower() for m in rules.ML_IMPORT.finditer(text)}:
            importers.setdefault(name, []).append(f)
    for name, files in importers.items():  # imported in the code, beyond a stray script
        if len(files) >= 2:
            frameworks.setdefault(name, f"imported by {len(files)} files")
    return {"files": len(paths), "notebooks": sum(1 for x in paths if rules.NOTEBOOK.search(x)),
            "code_files": sum(1 for x in paths if rules.is_code_path(x)),
            "matches": matches, "match_counts": counts, "content": content,
            "ml_frameworks": frameworks, "signals": rules.signals_of(paths),
            "ai_instructions": sorted(x for x in paths if is_ai_instruction(x))[:MAX_EVIDENCE]}


def _proves(p: rules.Practice, path: str, text: str) -> str:
    """What in a dependency or config file proves the practice ('' = nothing)."""
    name = path.rsplit("/", 1)[-1]
    if p.key == "locked_env":  # a pinned resolution: every requirement exact, or hashed
        if path.startswith(("doc/", "docs/")) or rules.DEV_DIRS.search(path):
            return ""  # pinned documentation, test or CI tools do not lock the environment
        if name.startswith(("environment", "conda")) and name.endswith((".yml", ".yaml")):
            return "every package pinned" if rules.environment_pinned(text) else ""
        if not name.startswith("requirements") or not name.endswith(".txt"):
            return ""
        if "--hash=" in text:
            return "requirements with hashes"
        reqs = [ln.split("#")[0].strip() for ln in text.splitlines()]
        if any(rules.LOCAL_INSTALL.match(r) for r in reqs):
            return ""  # the project itself installed from source: its dependencies resolve free
        reqs = [r for r in reqs if r and not r.startswith(("-", "--"))]
        return f"all {len(reqs)} requirements pinned" if reqs and all(
            "==" in r or "@" in r for r in reqs) else ""
    if p.key == "experiment_tracking":  # an import or a chosen tracker in the project's code
        m = p.content.search(text)
        if m:
            return f"imports {m.group(1)}"
        return rules.tracker_in_code(text)
    if (p.key == "data_versioning") != (name == ".gitattributes"):
        return ""  # LFS patterns prove versioning; nothing else is read from .gitattributes
    if p.key == "lint" and name == "setup.cfg":
        m = rules.SETUP_CFG_LINT.search(text)
        return m.group(0) if m else ""
    if p.key == "lint" and name != "pyproject.toml":
        return ""
    m = p.content.search(text)
    return " ".join(m.group(0).strip(" \"'").split()) if m else ""


def _git(path: Path, *args: str, tolerate: bool = False, stdin: str | None = None
         ) -> tuple[str, str]:
    """(stdout, error); with ``tolerate`` a failing command's partial output is kept (a
    snapshot lacking some objects still yields the history it could read)."""
    r = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                       errors="replace", input=stdin, check=False)
    err = (r.stderr.strip().splitlines() or ["git failed"])[-1] if r.returncode else ""
    if err and not tolerate:
        raise RuntimeError(f"git {args[0]}: {err}")
    return r.stdout, err


def read_head(path: Path, branch: str) -> dict:
    """The audit of a clone's tree at ``branch`` (no history pass): paths, dependency files and
    the project's own Python code."""
    head, _ = _git(path, "rev-parse", "--verify", "--end-of-options", branch + "^{commit}")
    tree, _ = _git(path, "ls-tree", "-r", "--name-only", "--full-tree", "--end-of-options",
                   head.strip())
    paths = tree.splitlines()
    wanted = [p for p in paths if rules.DEPENDENCY_FILES.match(p)]
    texts = _blobs(path, head.strip(), wanted)
    code = [p for p in paths if p.endswith(".py") and rules.is_code_path(p)]
    code_texts = _blobs(path, head.strip(), sorted(code, key=lambda x: (x.count("/"), x))
                        [:MAX_CODE_FILES])
    audit = audit_paths(paths, texts, code_texts)
    audit.update(source=GIT.key, head=head.strip(), read_at=int(time.time()))
    return audit


def read_git(path: Path, branch: str, pr_of: dict[str, int],
             touched: dict[int, tuple[int, set[str]]] | None = None,
             files: dict[int, set[str]] | None = None
             ) -> tuple[dict, list[tuple[int, bool, bool]]]:
    """The audit of a clone at ``branch`` and, per merged PR (``pr_of``: mainline commit sha →
    PR number), whether it changed code and whether it changed tests; ``touched``, when given,
    receives per PR (its latest mainline commit time, the code paths it changed), ``files``
    every path its mainline commits changed against their first parent."""
    audit = read_head(path, branch)
    head = audit["head"]
    # one mainline pass, newest first: paths changed by each first-parent commit
    out, err = _git(path, "-c", "core.quotePath=false", "log", "--first-parent",
                    "--diff-merges=first-parent", "--no-renames", "--name-only",
                    f"--format={RS}%H{US}%ct", "--end-of-options", head.strip(), "--",
                    tolerate=True)
    first: dict[str, dict] = {}
    ai_first: dict[str, int] = {}  # each agent-instruction file at HEAD: when it first appeared
    ai_at_head = set(audit["ai_instructions"])
    changes: dict[int, list[bool]] = {}
    oldest = None
    records = [r for r in out.split(RS) if US in r]
    for rec in reversed(records):  # oldest first: each practice's first hit is its first one
        lines = rec.strip("\n").splitlines()
        sha, when = lines[0].split(US)
        oldest = int(when) if oldest is None else oldest
        files_of = [ln for ln in lines[1:] if ln]
        for p in rules.PRACTICES:
            if p.key not in first:
                hit = next((f for f in files_of if rules.matching(p, f)), None)
                if hit is not None:
                    first[p.key] = {"at": int(when), "sha": sha, "path": hit}
        for f in files_of:
            if f in ai_at_head and f not in ai_first:
                ai_first[f] = int(when)
        number = pr_of.get(sha)
        if number is not None and touched is not None:
            at, seen = touched.get(number, (0, set()))
            # code only: a changelog or lock file every PR touches is no rework
            touched[number] = (max(at, int(when)),
                               seen | {f for f in files_of if rules.is_code_path(f)})
        if number is not None and files is not None:
            files.setdefault(number, set()).update(files_of)
        if number is not None:
            flags = changes.setdefault(number, [False, False])
            flags[0] = flags[0] or any(rules.is_code_path(f) for f in files_of)
            flags[1] = flags[1] or any(rules.is_test_path(f) for f in files_of)
    audit["first_seen"] = first
    audit["ai_first_seen"] = ai_first
    audit["history"] = "complete" if not err else "partial"
    audit["history_from"] = oldest
    return audit, [(n, c, t) for n, (c, t) in changes.items()]


def _blobs(path: Path, head: str, files: list[str]) -> dict[str, str]:
    """Texts of ``files`` at ``head`` in one ``cat-file --batch`` (missing or large ones left
    out)."""
    if not files:
        return {}
    r = subprocess.run(["git", "-C", str(path), "cat-file", "--batch"], capture_output=True,
                       input="".join(f"{head}:{f}\n" for f in files).encode(), check=False)
    data, texts, i = r.stdout, {}, 0
    for f in files:
        end = data.find(b"\n", i)
        if end < 0:
            break
        header = data[i:end].split()
        i = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # "missing"
        size = int(header[2])
        if size <= rules.MAX_DEPENDENCY_BYTES:
            texts[f] = data[i:i + size].decode("utf-8", "replace")
        i += size + 1
    return texts



def rework_flags(touched: dict[int, tuple[int, set[str]]], fixes: set[int], days: int
                 ) -> dict[int, bool]:
    """Per PR whose paths are known: whether a later fix or revert PR (``fixes``) changed one of
    its paths within ``days`` days of it landing (rework)."""
    by_path: dict[str, list[tuple[int, int]]] = {}
    for n, (at, paths) in touched.items():
        for f in paths:
            by_path.setdefault(f, []).append((at, n))
    out = dict.fromkeys(touched, False)
    horizon = days * 86400
    for q in fixes:
        if q not in touched:
            continue
        at_q, paths = touched[q]
        for f in paths:
            for at, n in by_path.get(f, ()):
                if n != q and at < at_q <= at + horizon:
                    out[n] = True
    return out
