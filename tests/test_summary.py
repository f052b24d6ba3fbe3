"""The one-page executive summary (issue 20) read back from the PDF, and the definitions hash
that tells two reports comparable or not."""

from __future__ import annotations

import json
import subprocess

from casestudy.render import render
from casestudy.report.build import Options, build_case_study


def pdf_pages(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    return text.split("\f")


def test_summary_is_one_page_at_the_top_of_the_pdf(demo_store):
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",)))
    e = cs.executive
    assert len(e.paragraphs) == 3 and all(p.strip() for p in e.paragraphs)
    assert e.recommendations == [f"{r.title}: {r.action.rstrip('.')}"
                                 for r in cs.recommendations[:3]]
    pages = pdf_pages(render(cs, "pdf"))
    summary = " ".join(pages[1].split())
    assert summary.startswith("Executive summary")
    assert " ".join(cs.headline.split()) in summary
    for r in cs.recommendations[:3]:
        assert r.title in summary
    # the numbers of the first paragraph are on the page, and the PRs it names
    thr = cs.finding("throughput")
    assert f"merged {thr.n:,} pull requests" in summary
    for p in e.prs:
        assert f"#{p.number}" in summary
    assert f"definitions {cs.definitions_hash}" in summary  # the footer
    assert " ".join(pages[2].split()).startswith("Verdict")  # one page, then the report


def test_definitions_hash_changes_with_what_figures_mean_only(demo_store):
    base = build_case_study(demo_store, Options("demo/atlas"))
    same = build_case_study(demo_store, Options("demo/borealis", ("demo/cirrus",),
                                                period_from="2025-01"))
    assert base.definitions_hash == same.definitions_hash  # subject, peers, period: comparable
    for changed in (Options("demo/atlas", business_hours=(9, 17)),
                    Options("demo/atlas", bots="include"), Options("demo/atlas", tz="Asia/Tokyo"),
                    Options("demo/atlas", session_gap=60)):
        assert build_case_study(demo_store, changed).definitions_hash != base.definitions_hash
    doc = json.loads(base.to_json())
    assert doc["definitions_hash"] == base.definitions_hash
    assert f"`{base.definitions_hash}`" in render(base, "md")


def test_throughput_and_instability_are_one_gated_line_each(demo_store):
    """DORA's two factors (issue 30): one summary line each, a claim that passed the gate and
    carries the findings whose figures it quotes."""
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",)))
    delivery = cs.executive.paragraphs[1]
    lines = {c.text.split(":")[0]: c for c in cs.claims
             if c.kind == "summary" and c.text.startswith(("Throughput:", "Instability:"))}
    assert set(lines) == {"Throughput", "Instability"}
    assert {e.metric for e in lines["Throughput"].evidence} <= {
        "deploy_frequency", "lead_time", "deploy", "time_to_restore"}
    assert {e.metric for e in lines["Instability"].evidence} <= {
        "change_failure_rate", "rework_rate"}
    for claim in lines.values():
        assert claim.evidence and claim.text in delivery  # printed, so it passed the gate
        for e in claim.evidence:
            assert e.value_text in claim.text and f"{e.n:,}" in claim.text


def test_the_most_merged_line_never_names_one_of_a_tie():
    """Seen on a held-out clone (excalidraw): "…, Augusto Xavier (2)" named one of five authors
    at 2 as if he stood out. Authors tied at the edge are counted, not picked (checked against
    plain counts)."""
    from casestudy.analysis.summary import _people, _Sentences

    def line(authors: dict[str, int]) -> str:
        say = _Sentences([], 10)
        _people(say, {}, {}, authors, None, None, False)
        return say.out[0].text

    tied = {"David": 31, "Mark": 21, "Ana": 2, "Bo": 2, "Cy": 2, "Di": 2, "Ed": 1}
    assert line(tied) == ("The most merged PRs came from David (31), Mark (21), 85% of 61; "
                          "4 authors are tied next with 2 each.")
    clear = {"David": 31, "Mark": 21, "Ana": 3, "Bo": 2}
    assert line(clear) == "The most merged PRs came from David (31), Mark (21), Ana (3), 96% of 57."
    assert line({"Ana": 2, "Bo": 2, "Cy": 2, "Di": 2}) == (
        "No author stands out: 4 authors merged 2 PRs each, the most any did, of 8.")
    assert "Bo" in line({"Ana": 2, "Bo": 2})  # two authors, both named: no one left out
