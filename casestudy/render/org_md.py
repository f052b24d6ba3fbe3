"""An organisation view (``analysis.org.OrgView``) as Markdown: a table per repository and per
team, each figure with its rank; the notes (DORA's advice on comparing teams, paths not
applied) under them, escaped: they quote a team file's names and paths."""

from __future__ import annotations

from datetime import UTC, datetime

from ..analysis.org import COLUMNS, OrgView, Unit
from .escape import esc, prose


def _cell(u: Unit, key: str) -> str:
    v = getattr(u, key)
    if v is None:
        return "–"
    text = f"{v:,}" if isinstance(v, int) else f"{v:,.1f}"
    return f"{text} (#{u.ranks[key]})" if key in u.ranks else text


def _table(units: list[Unit], what: str) -> list[str]:
    head = [what, *(label for _k, label, _d in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join([esc(u.name, 120), *(_cell(u, k) for k, _l, _d in COLUMNS)])
              + " |" for u in units]
    return lines


def org_markdown(view: OrgView) -> str:
    def day(t: int) -> str:
        return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d")

    lo, hi = view.window
    out = [f"# {prose(view.title)}", "",
           f"Merges from {day(lo)} to {day(hi - 1)}; (#n) is the rank.", ""]
    out += ["## Per repository", "", *_table(view.repositories, "repository"), ""]
    if view.teams:
        out += ["## Per team", "", *_table(view.teams, "team"), ""]
    out += [f"- {esc(n, 1000)}" for n in view.notes]  # notes quote team names and paths
    return "\n".join(out) + "\n"
