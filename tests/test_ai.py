"""AI-assisted changes end to end (issue 32): a clone built here with AI co-author trailers, a
person named Claude, an agent-instruction file; the demo's planted AI story found by the report;
its sentences only through the gate; the app page on the demo."""

from __future__ import annotations

from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_app import app
from tests.test_git import commit, git
from tests.test_git_dora import DAY, T0, new_repo

CLAUDE = "Co-authored-by: Claude Opus 4.6 <noreply@anthropic.com>"


def test_a_clone_with_ai_trailers_a_person_named_claude_and_agents_md(tmp_path):
    r = new_repo(tmp_path, "agents")
    n = 1
    for i in range(30):  # before the agent-instruction file: people only
        who = "Claude Martin <claude@martin.org>" if i % 3 == 0 else "Ann <ann@x.org>"
        commit(r, f"Add feature {i} (#{n})\n\nCo-authored-by: Devin Smith <devin@smith.org>",
               T0 + i * DAY, author=who)
        n += 1
    (r / "AGENTS.md").write_text("Run the tests first.\n")
    git(r, "add", "AGENTS.md")
    commit(r, f"Add AGENTS.md (#{n})", T0 + 31 * DAY)
    n += 1
    for i in range(30):  # after: half of the PRs carry an AI tool's mark
        body = [f"\n\n{CLAUDE}", "\n\nCo-authored-by: Cursor <cursoragent@cursor.com>",
                "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)", "", "",
                ""][i % 6]
        commit(r, f"Improve part {i} (#{n}){body}", T0 + (32 + i) * DAY)
        n += 1
    store = Store(tmp_path / "s.sqlite")
    sync_git(store, r)
    marks = store.ai_marks("octo/agents")
    assert len(marks) == 15  # no PR of Claude Martin's, no Devin Smith co-author
    assert {t for _, t in marks.values()} == {"Claude", "Cursor"}
    assert sum(store.ai_commit_counts("octo/agents").values()) == 15
    cs = build_case_study(store, Options("octo/agents", min_n=10))
    s = cs.ai
    assert (s.ai_prs, s.merged) == (15, 61)
    hits = {h.name: h.prs for h in s.rules}
    assert hits["co-author-trailer"] == 10 and hits["generated-marker"] == 5
    assert [i.path for i in s.instructions] == ["AGENTS.md"]
    assert s.instructions[0].first_seen == "2023-12-15"
    assert s.stance_before == 0.0 and s.stance_after > 0.4 and s.stance_p < 0.01
    md = render(cs, "md")
    body = md.split("\n# Appendices\n")[0]
    assert "## AI-assisted changes" in body and "AGENTS.md" in body
    assert "## AI-assisted changes in detail" in md.split("\n# Appendices\n")[1]
    html = render(cs, "html")  # the generic section template, body and appendix
    assert html.count("AI-assisted changes") >= 2 and "AGENTS.md" in html
    ai_part = html.split('<h2 id="ai">')[1].split("<h2 id=")[0]
    assert "<svg" in ai_part  # the AI-assisted and AI-reviewed shares per period
    said = [c for c in cs.claims if c.section == "ai"]
    assert said and "24.6% of merged PRs" in said[0].text  # 15 of 61
    assert said[0].text in md.split("## Executive summary")[1].split("\n## ")[0]


def test_a_clone_without_ai_says_so_once(tmp_path):
    r = new_repo(tmp_path, "plain")
    for i in range(12):
        commit(r, f"Add thing {i} (#{i + 1})", T0 + i * DAY)
    store = Store(tmp_path / "s.sqlite")
    sync_git(store, r)
    cs = build_case_study(store, Options("octo/plain", min_n=5))
    assert cs.ai is None and not [c for c in cs.claims if c.section == "ai"]
    md = render(cs, "md")
    assert "No AI-assisted change was found" in md.split("# Appendices")[0]


def test_the_demo_ai_story_is_found(demo_store):
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis", "demo/cirrus")))
    s = cs.ai
    assert s is not None and s.ai_prs > 1000
    assert set(s.tools) == {"Claude", "Copilot", "Cursor"}
    assert s.trend == "rising" and s.trend_p < 0.001
    before = [p for p in s.points if p.period < "2025-06"]
    assert before and all(p.ai == 0 for p in before)
    late = [p for p in s.points if p.period >= "2026-06" and p.merged]
    assert all(0.2 < p.ai / p.merged < 0.45 for p in late)
    rework = next(c for c in s.comparisons if c.key == "reworked")
    assert rework.ai_value > 2 * rework.other_value and rework.p_value < 1e-6
    # nothing planted in cycle time: no difference claimed
    cycle = next(c for c in s.comparisons if c.key == "cycle_time")
    assert 0.9 < cycle.ratio < 1.1
    # the AI reviewer is its own series and nobody's first response
    assert s.reviewers == {"CodeRabbit": s.reviewers["CodeRabbit"]} and s.reviewed_prs > 1000
    assert all(r.name != "coderabbitai[bot]" for r in cs.people.reviewers)
    assert "AI reviewers are not people and are counted apart: CodeRabbit" in cs.people.text
    assert "coderabbitai" not in str(demo_store.responder_counts("demo/atlas", 0, 2**40))
    said = {c.text for c in cs.claims if c.section == "ai"}
    assert any("rising beyond the noise" in t for t in said)
    assert any(t.startswith("Reworked within 14 days happened more often") for t in said)
    assert all(t in " ".join(cs.executive.paragraphs) for t in said)
    # the body's section stays short; every rule with its hits is in the appendix
    md = render(cs, "md")
    body, appendix = md.split("\n# Appendices\n")
    section = body.split("## AI-assisted changes\n")[1].split("\n## ")[0]
    assert len(section.split()) <= 160
    detail = appendix.split("## AI-assisted changes in detail\n")[1].split("\n## ")[0]
    assert all(f"| {r.name.replace('-', chr(92) + '-')} |" in detail for r in s.rules)


def test_an_ai_claim_below_the_minimum_n_is_refused(tmp_path):
    r = new_repo(tmp_path, "few")
    for i in range(20):
        body = f"\n\n{CLAUDE}" if i in (3, 9) else ""
        commit(r, f"Change {i} (#{i + 1}){body}", T0 + i * DAY)
    store = Store(tmp_path / "s.sqlite")
    sync_git(store, r)
    cs = build_case_study(store, Options("octo/few", min_n=10))
    assert cs.ai.ai_prs == 2
    assert not [c for c in cs.claims if c.section == "ai"]
    refused = [c for c in cs.refused_claims if c.section == "ai"]
    assert refused and "n = 2, below the minimum of 10" in refused[0].refused
    assert all(c.ai_value is None for c in cs.ai.comparisons)  # nothing compared below n
    body = render(cs, "md").split("\n# Appendices\n")[0]
    assert "Too few AI-assisted or comparable PRs to compare them" in body


def test_the_ai_page_renders_on_the_demo(app_env):
    at = app().run()
    at.switch_page("app_pages/ai.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "AI-assisted changes"
    assert any("rising beyond the noise" in x.value for x in at.info)
    assert at.dataframe[0].value["measure"].tolist()[0] == "Cycle time"
