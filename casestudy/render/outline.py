"""The report's outline, declared once: every section in order with its key, title, whether the
document has it, the sentence that stands in when it does not, its charts and the app page that
shows it. The Markdown renderer, the HTML/PDF renderer (contents, anchors, charts) and the app's
navigation all iterate it.

A new section is its analysis module, its document type, one ``Section`` here, its writers
(``markdown.WRITERS`` and ``templates/sections/<key>.html.j2``), its page and its test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..change_words import reword
from ..document import CaseStudy, Definition

if TYPE_CHECKING:  # altair is imported only when a chart is drawn (Markdown needs none)
    import altair as alt

NOT_COMPUTED = "Not computed for this report."


@dataclass(frozen=True)
class _Terms:
    text: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


# the statistical terms the body uses, each in one line (the appendix defines the metrics)
TERMS = _Terms(
    "Mann–Kendall test: whether a series rises or falls over time beyond what chance gives. "
    "Theil–Sen slope: the median of the slopes between every pair of points, a trend line "
    "that outliers do not move.\n\n"
    "Mann–Whitney test: whether two windows' values differ beyond chance, without assuming a "
    "bell curve. Wilcoxon signed-rank test: the same for the same people measured twice.\n\n"
    "Kaplan–Meier estimate: a median wait that counts PRs still waiting (censored) instead of "
    "leaving them out. Hidden Markov model (HMM): a two-state model (coding, not coding) that "
    "reads each gap between a person's commits as a pause or a break.\n\n"
    "Cochran–Mantel–Haenszel test: whether two groups' rates differ within matched strata (here "
    "period × size bin), pooled over the strata.")


@dataclass(frozen=True)
class Page:
    """A page of the app's navigation: ``app_pages/<key>.py``, its title and icon."""

    key: str
    title: str
    icon: str
    default: bool = False

    @property
    def path(self) -> str:
        return f"app_pages/{self.key}.py"


# The app's navigation, in order: pages that show report sections (each section names its page)
# and the app's own pages (the PR drill-down, the data, the export).
PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", "🏠", default=True),
    Page("metrics", "Metrics", "📈"),
    Page("compare", "Compare", "⚖️"),
    Page("pull_requests", "Pull requests", "🔎"),
    Page("recommendations", "Recommendations", "💡"),
    Page("rhythm", "Work rhythm", "⏱️"),
    Page("people", "People", "👥"),
    Page("ai", "AI-assisted changes", "🤖"),
    Page("ci", "CI insight", "🧪"),
    Page("practices", "Practices", "🧰"),
    Page("organisation", "Organisation", "🏢"),
    Page("data", "Data", "🗄️"),
    Page("export", "Export", "📄"),
)


@dataclass(frozen=True)
class Heading:
    """One heading of a rendered report: a section, or one metric of the per-metric section."""

    key: str  # unique in the report; the HTML anchor
    title: str
    section: Section
    present: bool  # the document has the section (else ``missing`` stands in)
    missing: str
    item: Definition | None = None  # the metric of a per-metric heading

    def chart(self, name: str) -> str:
        """The key of this heading's chart ``name`` among the report's charts."""
        return f"{self.key}/{name}"


@dataclass(frozen=True)
class Chart:
    """A chart of a section in the printed report (HTML/PDF), drawn when ``shown``."""

    name: str
    draw: Callable[[CaseStudy, Heading], alt.TopLevelMixin]
    shown: Callable[[CaseStudy, Heading], bool] = lambda cs, h: True


@dataclass(frozen=True)
class Section:
    """One entry of the outline. ``present`` and ``missing`` read the document only; ``key``
    names its Markdown writer, its HTML template and (with the metric's key) its anchors. A
    section with neither writer nor template is drawn from its ``content`` by the generic
    ones (text and a table), so a plain new section is its outline entry alone."""

    key: str
    title: str
    present: Callable[[CaseStudy], bool] = lambda cs: True
    missing: Callable[[CaseStudy], str] = lambda cs: NOT_COMPUTED
    charts: tuple[Chart, ...] = ()
    page: str = ""  # the app page that shows it ("" = in the reports only)
    per_metric: bool = False  # one heading per metric definition, titled by its name
    # the document part a section without its own Markdown writer and HTML template shows:
    # its ``text`` as paragraphs, and its ``table`` (``headers`` and ``rows``) when it has one
    content: Callable[[CaseStudy], object] | None = None
    appendix: bool = False  # after the body, under "Appendices"

    def headings(self, cs: CaseStudy) -> list[Heading]:
        present = self.present(cs)
        missing = "" if present else self.missing(cs)
        if not self.per_metric:
            title = reword(self.title, cs.change, cs.change_long, cs.change_ref)
            return [Heading(self.key, title, self, present, missing)]
        return [Heading(f"{self.key}-{d.key}", d.name, self, present, missing, d)
                for d in cs.definitions]


@dataclass(frozen=True)
class _Table:
    """Text and a table for the generic section writers."""

    text: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


def _refused(cs: CaseStudy) -> _Table:
    """The claims and recommendations the gate refused, with its reasons (from the document)."""
    rows = [(c.kind, c.title, c.refused) for c in cs.refused]
    rows += [("recommendation", r.title, r.refused) for r in cs.refused_recommendations]
    if not rows:
        return _Table("The evidence gate refused no claim and no recommendation.", (), [])
    return _Table("Claims the analysis put forward that the evidence gate refused, because the "
                  "figures they would rest on do not carry them (or the rest of the report "
                  "contradicts them). They are not findings of this report.",
                  ("Kind", "Claim", "Why it is not made"), rows)


NO_AI = ("No AI-assisted change was found: no AI co-author trailer, generated-with marker, agent "
         "author or AI reviewer in this data, and no agent-instruction file at HEAD.")


def _ai_body(cs: CaseStudy) -> _Table:
    """The AI section's body: its sentences, the stance, and the comparisons with their n and
    test (details in the appendix)."""
    s = cs.ai
    text = " ".join(x for x in (s.text, s.stance) if x)
    rows = [(c.name, c.text if c.ai_value is None else
             (f"{c.ratio:.2f}×" if c.ratio is not None else f"{c.ai_value:.1%} vs "
                                                              f"{c.other_value:.1%}"),
             f"{c.ai_n:,} / {c.other_n:,}", "–" if c.p_value is None else f"{c.p_value:.2g}")
            for c in s.comparisons if c.p_value is not None and c.p_value < 0.05]
    tested = sum(1 for c in s.comparisons if c.p_value is not None)
    if not tested:
        return _Table(text + f" Too few AI-assisted or comparable PRs to compare them (at least "
                             f"n = {s.min_n} on each side; details in the appendix).", (), [])
    if not rows:
        return _Table(text + f" Against PRs of the same period and size bin, none of the {tested} "
                             "measures compared differs beyond the noise (appendix).", (), [])
    text += (f" Against PRs of the same period and size bin, {len(rows)} of {tested} measures "
             f"{'differs' if len(rows) == 1 else 'differ'} beyond the noise (p below 0.05; at "
             f"least n = {s.min_n} on each side; the rest in the appendix):")
    return _Table(text, ("Measure", "AI-assisted vs comparable", "n (AI / others)", "p"), rows)


def _ai_detail(cs: CaseStudy) -> _Table:
    """Each detection rule with its hits, the tools, the AI reviewers and the caveats."""
    s = cs.ai
    rows = [(r.name, r.description, f"{r.prs:,}", f"{r.commits:,}") for r in s.rules]
    parts = ["Rules that mark a change as AI-assisted (a PR may match several; an AI reviewer "
             "does not make a PR AI-assisted). Matched on addresses and bot accounts, never on "
             "a person's name."]
    if s.tools:
        parts.append("Tools: " + ", ".join(f"{t} ({n:,} PR{'' if n == 1 else 's'})"
                                           for t, n in s.tools.items()) + ".")
    if s.reviewers:
        parts.append("AI reviewers: " + ", ".join(f"{t} ({n:,} reviews or comments)"
                                                  for t, n in s.reviewers.items()) + ".")
    for c in s.comparisons:
        parts.append(f"{c.name}: {c.text} — {c.test}.")
    if s.examples:
        parts.append("Latest AI-assisted PRs: " + "; ".join(
            f"#{p.number} {p.title} ({p.value_text})" for p in s.examples) + ".")
    parts += s.caveats
    return _Table(" ".join(parts), ("Rule", "What it matches", "Merged PRs (report period)",
                                    "Commits (all read)"), rows)


NO_STAGES = ("No stage of a change has a median in the latest window from this data (see what "
             "this data cannot show).")


def any_stage(cs: CaseStudy, h: Heading | None = None) -> bool:
    """Whether any repository has a stage median to draw (a git source that squash-merges and
    shows no reviews has none: an empty chart would be drawn infinitely wide)."""
    return any((f := cs.finding(d.key, repo)) is not None and f.visible and f.level is not None
               for repo in cs.repos for d in cs.stages())


def _visible(cs: CaseStudy, h: Heading) -> bool:
    f = cs.finding(h.item.key)
    return f is None or f.visible


SECTIONS: tuple[Section, ...] = (
    Section("executive", "Executive summary", lambda cs: cs.executive is not None,
            page="overview"),
    Section("verdict", "Verdict", page="overview",
            charts=(Chart("stages", lambda cs, h: _charts().stages_chart(cs), any_stage),)),
    Section("key_figures", "Key figures", page="overview"),
    Section("peers", "Peers side by side", lambda cs: len(cs.repos) > 1,
            lambda cs: "No peers were compared: name some with --peer owner/name (or in the "
                       "sidebar) to see this repository beside them.", page="compare"),
    Section("drivers", "What drove the change", lambda cs: cs.drivers is not None,
            lambda cs: "Nothing to compare: no stage has a median in both the latest window and "
                       "the window before (or the report period has no window before).",
            charts=(Chart("waterfall", lambda cs, h: _charts().waterfall_chart(cs)),)),
    Section("waits", "Waits over every PR", lambda cs: bool(cs.waits and cs.waits.window),
            lambda cs: cs.waits.text if cs.waits else NOT_COMPUTED, page="overview"),
    Section("work_pattern", "When work happens", lambda cs: cs.work_pattern is not None,
            page="overview", charts=(
                Chart("heatmap", lambda cs, h: _charts().work_pattern_chart(cs, width=420,
                                                                        height=90),
                      lambda cs, h: bool(cs.work_pattern and cs.work_pattern.counts)),)),
    Section("rhythm", "Work rhythm and velocity", lambda cs: cs.rhythm is not None,
            page="rhythm", charts=(
                Chart("velocity", lambda cs, h: _charts().velocity_chart(cs),
                      lambda cs, h: any(p.per_author is not None for p in cs.rhythm.velocity)),
                Chart("coding_hours", lambda cs, h: _charts().coding_hours_chart(cs),
                      lambda cs, h: any(s.hours_gap is not None for s in cs.rhythm.sessions)),
                Chart("local_hours", lambda cs, h: _charts().local_hours_chart(cs),
                      lambda cs, h: bool(cs.rhythm.local_hours)))),
    Section("people", "People", lambda cs: cs.people is not None, page="people"),
    Section("ai", "AI-assisted changes", lambda cs: cs.ai is not None, lambda cs: NO_AI,
            page="ai", content=_ai_body,
            charts=(Chart("share", lambda cs, h: _charts().ai_share_chart(cs),
                          lambda cs, h: any(p.merged for p in cs.ai.points)),)),
    Section("ci", "CI insight", lambda cs: cs.ci is not None,
            lambda cs: cs.ci_unavailable or "No CI data.", page="ci",
            charts=(Chart("heatmap", lambda cs, h: _charts().ci_heatmap(cs),
                          lambda cs, h: bool(cs.ci.jobs)),)),
    Section("practices", "Engineering practices", lambda cs: cs.practices is not None,
            lambda cs: cs.practices_unavailable or "Not audited.", page="practices",
            charts=(Chart("tests_with_code", lambda cs, h: _charts().tests_with_code_chart(cs),
                          lambda cs, h: any(s.code_prs for s in cs.practices.tests_with_code)),)),
    Section("strengths", "Strengths", page="recommendations"),
    Section("weaknesses", "Where it falls behind", page="recommendations"),
    Section("recommendations", "Recommendations", page="recommendations"),
    Section("terms", "Terms used",
            content=lambda cs: _Terms(reword(TERMS.text, cs.change, cs.change_long,
                                             cs.change_ref))),
    Section("notable", "Notable pull requests", appendix=True),
    Section("rhythm_detail", "Work rhythm per period",
            lambda cs: cs.rhythm is not None and bool(cs.rhythm.velocity),
            lambda cs: "No work-rhythm periods.", appendix=True),
    Section("ai_detail", "AI-assisted changes in detail", lambda cs: cs.ai is not None,
            lambda cs: NO_AI, appendix=True, content=_ai_detail),
    Section("metric", "Metrics", page="metrics", per_metric=True, appendix=True, charts=(
        Chart("trend", lambda cs, h: _charts().metric_chart(cs, h.item.key, print_mode=True),
              _visible),)),
    Section("refused", "Claims not made", content=lambda cs: _refused(cs), appendix=True),
    Section("definitions", "Definitions", appendix=True),
    Section("completeness", "Data completeness", appendix=True),
)
# where the sections a source cannot fill are listed, in one box at the end of the body
CANNOT_SHOW = Section("cannot_show", "What this data cannot show, and how to get it")
BY_KEY = {s.key: s for s in SECTIONS}


def section(key: str) -> Section:
    return BY_KEY[key]


def _shown(cs: CaseStudy, h: Heading) -> bool:
    return h.present and (h.item is None or _visible(cs, h))


def contents(cs: CaseStudy) -> list[tuple[Section, list[Heading]]]:
    """Every section of the report of ``cs`` that has something to show, with its headings, in
    order; what the data cannot show is one ``CANNOT_SHOW`` section at the end of the body."""
    out: list[tuple[Section, list[Heading]]] = []
    boxed = False
    for s in SECTIONS:
        if s.appendix and not boxed:
            boxed = True
            if cannot_show(cs):
                out.append((CANNOT_SHOW, CANNOT_SHOW.headings(cs)))
        shown = [h for h in s.headings(cs) if _shown(cs, h)]
        if shown:
            out.append((s, shown))
    return out


def cannot_show(cs: CaseStudy) -> list[tuple[str, str]]:
    """(title, why) of every section and metric the report's data cannot show, in order."""
    out = []
    for s in SECTIONS:
        for h in s.headings(cs):
            if _shown(cs, h):
                continue
            f = cs.finding(h.item.key) if h.item is not None else None
            out.append((h.title, f.sentence if f is not None else h.missing))
    return out


def key_figure_order(cs: CaseStudy) -> list[Definition]:
    """The metrics in the key-figures table: DORA's throughput, then its instability, then the
    rest in registry order."""
    rank = {"throughput": 0, "instability": 1}
    return sorted(cs.definitions, key=lambda d: rank.get(d.factor, 2))


def get_more(cs: CaseStudy) -> str:
    """How to get what the subject's source cannot show (one sentence, or "")."""
    return next((s.get_more for s in cs.sources if s.repo == cs.subject), "")


def first_appendix(cs: CaseStudy) -> str:
    """The key of the first appendix heading of the report ("" when none)."""
    return next((hs[0].key for s, hs in contents(cs) if s.appendix), "")


def headings(cs: CaseStudy) -> list[Heading]:
    """Every heading of the report of ``cs``, in order (the table of contents)."""
    return [h for _, hs in contents(cs) for h in hs]


def sections_on(page: str) -> list[Section]:
    """The sections an app page shows, in the report's order."""
    return [s for s in SECTIONS if s.page == page]


def chart_drawers(cs: CaseStudy) -> dict[str, Callable[[], alt.TopLevelMixin]]:
    """Every chart the printed report shows, keyed by ``Heading.chart``, in the report's order
    (present sections only), each as a function that draws it."""
    return {h.chart(c.name): functools.partial(c.draw, cs, h) for h in headings(cs)
            if h.present for c in h.section.charts if c.shown(cs, h)}


def report_charts(cs: CaseStudy) -> dict[str, alt.TopLevelMixin]:
    """Every chart the printed report shows, drawn (see ``chart_drawers``)."""
    return {key: draw() for key, draw in chart_drawers(cs).items()}


def _charts():
    """The chart module, imported on first use (it imports altair, about 0.6 s)."""
    from . import charts

    return charts
