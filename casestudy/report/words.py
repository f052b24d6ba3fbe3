"""The forge's own words for a proposed change in a case study: a GitLab subject's report says
"merge request" and "MR" where a GitHub one says "pull request" and "PR" (the source kind
declares them, ``SourceKind.change``). Only the report's own sentences are reworded: names,
titles, logins, links, labels, paths and keys read from the data stay as they are."""

from __future__ import annotations

import dataclasses

from ..change_words import reword
from ..document import CaseStudy, Executive, PracticeRow, PRRef
from ..source_kinds import SourceKind

# fields that hold data or keys, never the report's own words
KEEP = frozenset({
    "subject", "peers", "repo", "author", "url", "tz", "generated_at", "window", "period",
    "period_from", "period_to", "metric", "key", "definitions_hash", "options", "project",
    "jobs", "clusters", "kept", "dropped", "first_seen", "head",
    "labels", "source", "deploy_source", "kind", "polarity", "trend", "band", "words",
    "section", "rule", "direction", "factor", "measure", "status", "applies",
    "signals", "span", "last_release", "change", "change_long", "change_ref", "freq",
    "responder", "sign",
})


def _say(text: str, kind: SourceKind) -> str:
    return reword(text, kind.change, kind.change_long, kind.change_ref)


# per document type, more fields that hold data: a PR's title, the people a summary names
KEEP_IN = {PRRef: frozenset({"title"}), Executive: frozenset({"people"}),
           PracticeRow: frozenset({"evidence"})}
LABEL_KEYS = frozenset({"counts"})  # dicts whose keys are labels (work-pattern events)


def _walk(value, kind: SourceKind, name: str = ""):
    if isinstance(value, str):
        return _say(value, kind)
    if isinstance(value, list):
        return [_walk(v, kind) for v in value]
    if isinstance(value, dict):
        return {(_say(k, kind) if name in LABEL_KEYS and isinstance(k, str) else k):
                _walk(v, kind) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        keep = KEEP | KEEP_IN.get(type(value), frozenset())
        changes = {f.name: _walk(getattr(value, f.name), kind, f.name)
                   for f in dataclasses.fields(value) if f.name not in keep}
        if isinstance(value, PRRef):
            changes["sign"] = kind.change_ref
        return dataclasses.replace(value, **changes)
    return value


def in_forge_words(cs: CaseStudy, kind: SourceKind) -> CaseStudy:
    """``cs`` with its own sentences in ``kind``'s words (unchanged for "PR" kinds), and the
    words recorded on it for the renderers' fixed labels."""
    if (kind.change, kind.change_long, kind.change_ref) == ("PR", "pull request", "#"):
        return cs
    out = _walk(cs, kind)
    return dataclasses.replace(out, change=kind.change, change_long=kind.change_long,
                               change_ref=kind.change_ref)
