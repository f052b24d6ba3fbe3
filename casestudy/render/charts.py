"""Altair chart specs drawn from a ``CaseStudy`` (the app shows them; reports inline them as SVG
through vl-convert). Charts only draw the document's numbers: a unit change for the axis is all."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..change_words import reword
from ..config import write_atomically
from ..document import CaseStudy, Definition
from .palette import PALETTE, colour_key  # noqa: F401  (colour_key: the charts' printed key)


def _scale(m: Definition, cs: CaseStudy | None = None) -> tuple[float, str]:
    """Divisor and axis title for a metric's values."""
    if m.is_duration:
        working = cs is not None and cs.options.get("business_hours") and m.working_hours
        return 3600.0, f"{m.name} ({'working ' if working else ''}hours)"
    if m.unit == "share":
        return 0.01, f"{m.name} (%)"
    if m.unit == "per week":
        return 1.0, f"{m.name} (per week)"
    return 1.0, m.name


def series_frame(cs: CaseStudy, metric: str, repos: list[str] | None = None) -> pd.DataFrame:
    """Long table of one metric's series: period, repo, value (axis unit), n, interval, label."""
    m = cs.definition(metric)
    div, _ = _scale(m)
    rows = []
    for repo in repos or cs.repos:
        s = cs.series_for(metric, repo)
        if s is None:
            continue
        for p in s.points:
            rows.append({
                "period": p.period, "repo": repo, "n": p.n,
                "value": None if p.value is None else p.value / div,
                "low": None if p.ci_low is None else p.ci_low / div,
                "high": None if p.ci_high is None else p.ci_high / div,
                "label": m.format(p.value) + (" (partial period)" if p.partial else ""),
                "partial": p.partial, "small": p.small,
            })
    return pd.DataFrame(rows, columns=["period", "repo", "n", "value", "low", "high", "label",
                                       "partial", "small"])


def metric_chart(cs: CaseStudy, metric: str, width: int = 560, height: int = 200,
                 repos: list[str] | None = None, print_mode: bool = False) -> alt.LayerChart:
    """Trend of one metric per period for the subject and peers, with the subject's 95% interval.

    ``print_mode`` draws a lighter chart for reports (no legend: the report prints one colour key;
    a time axis with few ticks), which renders several times faster to SVG.
    """
    m = cs.definition(metric)
    _, title = _scale(m, cs)
    df = series_frame(cs, metric, repos)
    order = list(repos or cs.repos)
    legend = None if print_mode else alt.Legend(orient="bottom")
    color = alt.Color("repo:N", title=None, legend=legend,
                      scale=alt.Scale(domain=order, range=PALETTE[:len(order)]))
    if print_mode and cs.freq == "month":
        x = alt.X("period:T", title=None, axis=alt.Axis(tickCount=8, format="%Y-%m", grid=False))
    else:
        x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=True))
    small = df.small.astype(bool)
    solid = df[~small]
    # samples below the minimum n never set the scale: they are drawn faded (and clamped)
    domain = solid.value.dropna()
    scale = alt.Scale(zero=not m.is_duration, clamp=True, nice=True,
                      domain=[0 if not m.is_duration else float(domain.min()),
                              float(max(domain.max(), solid.high.dropna().max()
                                        if solid.high.notna().any() else 0))]) \
        if domain.size and small.any() else alt.Scale(zero=not m.is_duration)
    y = alt.Y("value:Q", title=title, axis=alt.Axis(tickCount=4), scale=scale)
    base = alt.Chart(solid).encode(x=x)
    line = base.mark_line(point=not print_mode).encode(
        y=y, color=color,
        tooltip=[alt.Tooltip("repo:N"), alt.Tooltip("period:O"),
                 alt.Tooltip("label:N", title=m.name), alt.Tooltip("n:Q", title="n")],
    )
    subject = df[(df.repo == cs.subject) & ~df.partial.astype(bool) & ~small].dropna(
        subset=["low", "high"])
    band = alt.Chart(subject).mark_area(opacity=0.18, color=PALETTE[0]).encode(
        x=x, y="low:Q", y2="high:Q")
    # a period the data stops inside: a hollow marker, no interval
    partial = alt.Chart(df[df.partial.astype(bool)].dropna(subset=["value"])).mark_point(
        filled=False, size=60, strokeDash=[2, 2]).encode(x=x, y=y, color=color)
    # a sample below the minimum n: a faded hollow marker, off the line
    faint = alt.Chart(df[small].dropna(subset=["value"])).mark_point(
        filled=False, size=30, opacity=0.45).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("repo:N"), alt.Tooltip("period:O"),
                 alt.Tooltip("label:N", title=m.name), alt.Tooltip("n:Q", title="n (too few)")])
    return alt.layer(band, line, partial, faint).properties(width=width, height=height)


def ci_heatmap(cs: CaseStudy, size: int = 420) -> alt.Chart:
    """Phi correlation of job failures, jobs ordered by cluster (the CI section's heatmap)."""
    ci = cs.ci
    jobs = ci.jobs if ci else []
    rows = [{"a": a, "b": b, "phi": ci.phi[i][j]} for i, a in enumerate(jobs)
            for j, b in enumerate(jobs)]
    df = pd.DataFrame(rows, columns=["a", "b", "phi"])
    axis = alt.Axis(labelLimit=140, labelFontSize=7 if len(jobs) > 30 else 9)
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("a:N", sort=jobs, title=None, axis=axis),
        y=alt.Y("b:N", sort=jobs, title=None, axis=axis),
        color=alt.Color("phi:Q", title="phi", scale=alt.Scale(domain=[-1, 1],
                                                               scheme="redblue", reverse=True)),
        tooltip=["a:N", "b:N", alt.Tooltip("phi:Q", format=".2f")],
    ).properties(width=size, height=size)


def stages_chart(cs: CaseStudy, width: int = 560, height: int = 120) -> alt.Chart:
    """Median of each PR stage in the latest window, stacked per repository."""
    stages = cs.stages()
    rows = []
    for repo in cs.repos:
        for d in stages:
            f = cs.finding(d.key, repo)
            if f and f.visible and f.level is not None:
                rows.append({"repo": repo, "stage": d.name, "hours": f.level / 3600,
                             "label": f.level_text, "n": f.n})
    df = pd.DataFrame(rows, columns=["repo", "stage", "hours", "label", "n"])
    return alt.Chart(df).mark_bar().encode(
        # every repository keeps its own row (an empty one when its source has no stages), so a
        # bar is never read as another repository's
        y=alt.Y("repo:N", title=None, sort=cs.repos, scale=alt.Scale(domain=cs.repos)),
        x=alt.X("hours:Q", title=("median working hours" if cs.options.get("business_hours")
                                  else "median hours") + " per stage (latest window)",
                stack="zero"),
        color=alt.Color("stage:N", sort=[d.name for d in stages],
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["repo:N", "stage:N", alt.Tooltip("label:N", title="median"), "n:Q"],
    ).properties(width=width, height=height)


def work_pattern_chart(cs: CaseStudy, width: int = 480, height: int = 120) -> alt.VConcatChart:
    """One weekday × hour heatmap per event (PRs opened, first responses, merges) of the
    subject, in the report's time zone."""
    from ..core.periods import WEEKDAYS

    wp = cs.work_pattern
    rows = [{"event": event, "weekday": WEEKDAYS[d][:3], "hour": h, "count": grid[d][h]}
            for event, grid in (wp.counts.items() if wp else []) for d in range(7)
            for h in range(24)]
    df = pd.DataFrame(rows, columns=["event", "weekday", "hour", "count"])
    panels = []
    for event in df["event"].unique():
        panels.append(alt.Chart(df[df.event == event]).mark_rect().encode(
            x=alt.X("hour:O", title=f"hour ({wp.tz})", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("weekday:O", title=None, sort=[d[:3] for d in WEEKDAYS]),
            color=alt.Color("count:Q", title=event, scale=alt.Scale(scheme="blues")),
            tooltip=["weekday:O", "hour:O", alt.Tooltip("count:Q", title=event)],
        ).properties(width=width, height=height, title=event[0].upper() + event[1:]))
    return alt.vconcat(*panels).resolve_scale(color="independent")


def velocity_chart(cs: CaseStudy, width: int = 560, height: int = 160) -> alt.LayerChart:
    """Merged PRs per active author per period (hollow: left out of the trend test), with the
    Theil–Sen line the trend test fitted, when it found a trend."""
    r = cs.rhythm
    pts = [p for p in (r.velocity if r else []) if p.per_author is not None]
    df = pd.DataFrame([{"period": p.period, "per_author": p.per_author, "merged": p.merged,
                        "authors": p.authors, "used": "tested" if p.used else "left out"}
                       for p in pts], columns=["period", "per_author", "merged", "authors",
                                               "used"])
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45))
    y = alt.Y("per_author:Q", title=reword("PRs per author", cs.change, cs.change_long,
                                           cs.change_ref))
    line = alt.Chart(df).mark_line(color=PALETTE[0]).encode(x=x, y=y)
    dots = alt.Chart(df).mark_point(filled=True, color=PALETTE[0]).encode(
        x=x, y=y, shape=alt.Shape("used:N", title=None,
                                  scale=alt.Scale(domain=["tested", "left out"],
                                                  range=["circle", "triangle"])),
        tooltip=["period:O", alt.Tooltip("per_author:Q", format=".2f"), "merged:Q",
                 "authors:Q", "used:N"])
    layers = [line, dots]
    trend = next((t for t in (r.trends if r else []) if t.measure == "per_author"), None)
    used = [p.period for p in pts if p.used]
    if trend and trend.direction in ("falling", "rising") and used:
        fit = pd.DataFrame({"period": [used[0], used[-1]], "per_author": [trend.start,
                                                                           trend.end]})
        layers.append(alt.Chart(fit).mark_line(strokeDash=[5, 3], color="#555").encode(x=x, y=y))
    return alt.layer(*layers).properties(width=width, height=height)


def coding_hours_chart(cs: CaseStudy, width: int = 560, height: int = 140) -> alt.Chart:
    """Coding hours per active author per week, gap rule and hidden Markov model side by
    side."""
    r = cs.rhythm
    rows = [{"period": s.period, "estimate": name, "hours": h}
            for s in (r.sessions if r else [])
            for name, h in (("gap rule", s.hours_gap), ("hidden Markov model", s.hours_hmm))
            if h is not None]
    df = pd.DataFrame(rows, columns=["period", "estimate", "hours"])
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("hours:Q", title="coding h / author / week"),
        color=alt.Color("estimate:N", title=None, scale=alt.Scale(range=PALETTE[:2]),
                        legend=alt.Legend(orient="top")),
        tooltip=["period:O", "estimate:N", alt.Tooltip("hours:Q", format=".1f")],
    ).properties(width=width, height=height)


def local_hours_chart(cs: CaseStudy, width: int = 560, height: int = 70) -> alt.Chart:
    """Events per local hour (each person's own clock), one row per event."""
    r = cs.rhythm
    rows = [{"event": e, "hour": h, "count": c} for e, counts in
            (r.local_hours.items() if r else []) for h, c in enumerate(counts)]
    df = pd.DataFrame(rows, columns=["event", "hour", "count"])
    return alt.Chart(df).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("hour:O", title="local hour (each person's own clock)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count:Q", title=None),
        row=alt.Row("event:N", title=None),
        tooltip=["event:N", "hour:O", "count:Q"],
    ).properties(width=width, height=height).resolve_scale(y="independent")


def tests_with_code_chart(cs: CaseStudy, width: int = 560, height: int = 130) -> alt.LayerChart:
    """Per period, the share of merged code-changing PRs that also changed tests."""
    p = cs.practices
    df = pd.DataFrame([{"period": s.period, "share": s.share, "n": s.code_prs,
                        "with tests": s.with_tests}
                       for s in (p.tests_with_code if p else []) if s.code_prs],
                      columns=["period", "share", "n", "with tests"])
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45))
    y = alt.Y("share:Q", title="with a test change", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart(df)
    return alt.layer(base.mark_line(color=PALETTE[0]).encode(x=x, y=y),
                     base.mark_point(filled=True, color=PALETTE[0]).encode(
                         x=x, y=y, size=alt.Size("n:Q", title=reword("code PRs", cs.change,
                                                                      cs.change_long)),
                         tooltip=["period:O", alt.Tooltip("share:Q", format=".0%"), "n:Q",
                                  "with tests:Q"])).properties(width=width, height=height)


def ai_share_chart(cs: CaseStudy, width: int = 560, height: int = 130) -> alt.LayerChart:
    """Per period, the share of merged PRs that are AI-assisted and the share an AI reviewer
    commented on (two series: the reviewers are not people)."""
    s = cs.ai
    rows = []
    for p in (s.points if s else []):
        if p.merged:
            rows.append({"period": p.period, "series": "AI-assisted", "share": p.ai / p.merged,
                         "n": p.merged})
            rows.append({"period": p.period, "series": "AI-reviewed",
                         "share": p.ai_reviewed / p.merged, "n": p.merged})
    df = pd.DataFrame(rows, columns=["period", "series", "share", "n"])
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45))
    y = alt.Y("share:Q", title="of merged PRs", axis=alt.Axis(format="%"))
    color = alt.Color("series:N", scale=alt.Scale(range=[PALETTE[0], PALETTE[1]]), title=None)
    base = alt.Chart(df)
    return alt.layer(base.mark_line().encode(x=x, y=y, color=color),
                     base.mark_point(filled=True).encode(
                         x=x, y=y, color=color,
                         tooltip=["period:O", "series:N", alt.Tooltip("share:Q", format=".1%"),
                                  "n:Q"])).properties(width=width, height=height)


def waterfall_chart(cs: CaseStudy, width: int = 560, height: int = 170) -> alt.LayerChart:
    """The sum of stage medians in the window before, each stage's change, and the latest sum
    (hours; the bars' ends come from the document). The axis starts near the totals, so changes
    of a few hours on totals of days stay visible: the totals are drawn as level marks."""
    d = cs.drivers
    rows = []
    if d is not None:
        rows.append({"bar": "window before", "start": d.total_previous / 3600,
                     "end": d.total_previous / 3600, "kind": "total"})
        for s in d.steps:
            rows.append({"bar": s.name, "start": s.start / 3600, "end": s.end / 3600,
                         "kind": "slower" if s.delta > 0 else "faster"})
        rows.append({"bar": "latest window", "start": d.total_latest / 3600,
                     "end": d.total_latest / 3600, "kind": "total"})
    df = pd.DataFrame(rows, columns=["bar", "start", "end", "kind"])
    order = list(df["bar"])
    x = alt.X("bar:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=110))
    y = alt.Y("start:Q", title="hours (sum of stage medians)", scale=alt.Scale(zero=False))
    colour = alt.Color("kind:N", scale=alt.Scale(domain=["total", "slower", "faster"],
                                                 range=["#55606e", "#c0392b", "#2e8b57"]),
                       legend=alt.Legend(orient="top", title=None))
    tips = ["bar:N", alt.Tooltip("start:Q", format=".1f"), alt.Tooltip("end:Q", format=".1f")]
    steps = alt.Chart(df[df.kind != "total"]).mark_bar().encode(x=x, y=y, y2="end:Q",
                                                                 color=colour, tooltip=tips)
    totals = alt.Chart(df[df.kind == "total"]).mark_tick(thickness=3, size=40).encode(
        x=x, y=y, color=colour, tooltip=tips)
    return alt.layer(steps, totals).properties(width=width, height=height)


def to_svg_cached(chart: alt.TopLevelMixin) -> str:
    """``to_svg`` with a disk cache keyed by the spec's hash (same numbers → same SVG)."""
    import hashlib
    import json

    from ..config import cache_dir

    spec = json.dumps(chart.to_dict(validate=False), sort_keys=True, default=str)
    key = hashlib.sha256(spec.encode()).hexdigest()[:32]
    path = cache_dir("charts") / f"{key}.svg"
    try:
        cached = path.read_text(encoding="utf-8")
        if cached.rstrip().endswith("</svg>"):  # a torn file left by an older version: redo
            return cached
    except OSError:
        pass
    svg = to_svg(chart)
    write_atomically(path, svg)
    return svg


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to standalone SVG offline (vl-convert; no browser, no network)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(validate=False), allowed_base_urls=[])
