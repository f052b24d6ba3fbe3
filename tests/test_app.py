"""The Streamlit app through AppTest: every page renders on the demo store, widgets change what
is shown, the URL round-trips, and bad input shows an error instead of a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from casestudy.options import Options
from tests.conftest import ROOT

PAGES = ["overview", "metrics", "compare", "pull_requests", "recommendations", "ci", "rhythm",
         "practices", "people", "ai", "data",
         "export"]


def app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at


def test_an_empty_store_is_filled_once_and_the_notice_is_not_replayed(tmp_path, monkeypatch):
    """First start builds the demo under one status box; later runs (cache hits) draw none —
    Streamlit replays what a cached function drew, so the build is outside the cache."""
    monkeypatch.setenv("CASESTUDY_DB", str(tmp_path / "empty.sqlite"))
    building = "Building the synthetic demo data (first start only)…"
    first = app().run()
    assert not first.exception
    assert [s.label for s in first.status] == [building]
    assert first.title[0].value == "demo/atlas"
    first.run()
    again = app().run()  # another session
    for at in (first, again):
        assert not at.exception and not [s for s in at.status if s.label == building]
        assert at.title[0].value == "demo/atlas"


def test_overview_opens_on_demo_data(app_env):
    at = app().run()
    assert not at.exception
    assert any("synthetic demo data" in i.value for i in at.info)
    assert at.title[0].value == "demo/atlas"
    assert len(at.metric) >= 10
    assert at.query_params["repo"] == "demo/atlas"
    assert at.query_params["peers"] == "demo/borealis,demo/cirrus"
    # each tile says what the text says: the window's level and its change against the window
    # before, coloured only when the change beats the noise
    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    from casestudy import metrics
    from casestudy.report.build import Options, build_case_study
    from casestudy.store import Store

    cs = build_case_study(Store(app_env), Options("demo/atlas", ("demo/borealis", "demo/cirrus")))
    tiles = {t.label.split(" · ")[0]: t for t in at.metric}
    for m in metrics.METRICS:
        f, tile = cs.finding(m.key), tiles[m.name]
        assert tile.value == f.level_text
        if f.change is not None:
            assert tile.delta == f"{f.change * 100:+.0f}% vs the window before"
            moving = f.trend in ("improving", "worsening")
            grey = tile.proto.color == MetricProto.MetricColor.GRAY
            assert grey != moving, m.key
    # the tiles are grouped as DORA groups its metrics, throughput first
    groups = [x.value for x in at.markdown if x.value.startswith("##### ")][-3:]
    assert groups == ["##### DORA throughput", "##### DORA instability",
                      "##### Flow, stages and people"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app_env, page):
    at = app().run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not at.error


def test_url_reproduces_the_view(app_env):
    params = {"repo": "demo/cirrus", "peers": "demo/atlas", "start": "2025-01",
              "end": "2025-06", "metric": "first_response"}
    at = app(params).run()
    assert not at.exception
    assert at.title[0].value == "demo/cirrus"
    assert at.sidebar.selectbox(key="w_repo").value == "demo/cirrus"
    assert at.sidebar.selectbox(key="w_start").value == "2025-01"
    assert at.sidebar.multiselect[0].value == ["demo/atlas"]
    assert "2025-01 to 2025-06" in at.caption[0].value
    at.switch_page("app_pages/metrics.py").run()
    assert at.selectbox(key="w_metric").value == "first_response"
    qp = {k: at.query_params[k] for k in at.query_params}
    assert qp["repo"] == "demo/cirrus" and qp["start"] == "2025-01" and qp["metric"] == \
        "first_response"


def test_widgets_change_what_is_shown(app_env):
    at = app().run()
    at.sidebar.selectbox(key="w_repo").set_value("demo/borealis").run()
    assert at.title[0].value == "demo/borealis"
    assert at.query_params["repo"] == "demo/borealis"
    at.switch_page("app_pages/metrics.py").run()
    at.selectbox(key="w_metric").set_value("bugfix_share").run()
    assert "Bug-fix share" in at.markdown[0].value
    assert at.query_params["metric"] == "bugfix_share"


def test_bad_input_shows_errors_not_tracebacks(app_env):
    at = app({"repo": "no/such", "tz": "Mars/Olympus", "metric": "nonsense",
              "start": "1999-01"}).run()
    assert not at.exception
    assert at.title[0].value == "demo/atlas"  # unknown repo falls back to the default
    # a refused URL value falls back to the default and says so, as a warning
    assert any("time zone" in w.value for w in at.sidebar.warning)


def test_drilldown_lists_prs_with_links(app_env):
    at = app({"month": "2026-10", "stage": "first_response"}).run()
    at.switch_page("app_pages/pull_requests.py").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert len(df) > 100
    assert df["link"].str.startswith("https://github.com/demo/atlas/pull/").all()
    col = "First response time (h)"
    assert df[col].dropna().is_monotonic_decreasing


def test_data_page_syncs_from_github_with_a_session_token(demo_db_copy, monkeypatch):
    from tests.fakegithub.server import FakeGitHub, generate_repo

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    secret = "ghp_app_session_token"
    with FakeGitHub(tokens={secret: set()}) as fake:
        fake.add(generate_repo("acme", "tool", 120)).private = True
        fake.tokens[secret] = {"acme/tool"}
        at = app().run()
        at.switch_page("app_pages/data.py").run()
        at.text_input(key="gh_repo").set_value("acme/tool")
        at.text_input(key="gh_token").set_value(secret)
        at.text_input(key="gh_url").set_value(fake.base_url)
        at.button[0].click().run()
        assert not at.exception
        assert any("PRs with" in s.value for s in at.success), [e.value for e in at.error]
        # the private repo is visible to this session only, and the token is nowhere
        assert "acme/tool" in at.sidebar.selectbox(key="w_repo").options
        other = app().run()
        assert "acme/tool" not in other.sidebar.selectbox(key="w_repo").options
        assert secret not in str(dict(at.query_params))
        # the session keeps a hash of the account, never the token, outside the widget
        assert secret not in at.session_state["account_key"]
        assert at.session_state["account_key"].startswith("t-")  # a token's key, namespaced
        assert secret not in str(at.session_state["view_params"])


def test_data_page_syncs_from_gitlab_with_a_session_token(demo_db_copy, monkeypatch):
    from tests.fakegitlab.server import FakeGitLab, generate_project

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    secret = "glpat-app-session-token"
    with FakeGitLab(tokens={secret: {"acme/platform/tool"}}) as fake:
        fake.add(generate_project("acme/platform/tool", 60)).visibility = "private"
        at = app().run()
        at.switch_page("app_pages/data.py").run()
        at.text_input(key="gl_repo").set_value("acme/platform/tool")
        at.text_input(key="gl_token").set_value(secret)
        at.text_input(key="gl_url").set_value(fake.url)
        at.button[1].click().run()
        assert not at.exception
        assert any("merge requests with" in s.value for s in at.success), [
            e.value for e in at.error]
        # private to this session's token; the token is nowhere
        assert "acme/platform/tool" in at.sidebar.selectbox(key="w_repo").options
        other = app().run()
        assert "acme/platform/tool" not in other.sidebar.selectbox(key="w_repo").options
        assert secret not in str(dict(at.query_params))
        assert at.session_state["account_key"].startswith("t-")
        # the server's token is not sent to a GitLab URL nobody configured
        monkeypatch.setenv("GITLAB_TOKEN", "glpat-server")
        at.text_input(key="gl_token").set_value("")
        at.text_input(key="gl_url").set_value("http://127.0.0.1:9")
        at.button[1].click().run()
        assert any("only sent to" in e.value for e in at.error)


def test_data_page_git_errors_are_readable(app_env, tmp_path):
    at = app().run()
    at.switch_page("app_pages/data.py").run()
    at.text_input(key="git_path").set_value(str(tmp_path / "missing"))
    at.button[2].click().run()  # GitHub's, GitLab's, the clone's
    assert not at.exception
    assert any("does not exist" in e.value for e in at.error)


def test_the_url_carries_the_definitions_hash_and_a_foreign_one_is_flagged(app_env):
    at = app().run()
    defs = at.query_params["defs"]
    assert len(defs) == 12 and not at.warning
    assert any(defs in c.value for c in at.caption)  # printed under the executive summary
    # a link made under other definitions says so once, then carries this report's hash
    at = app({"repo": "demo/atlas", "defs": "0123456789ab"}).run()
    assert any("0123456789ab" in w.value and defs in w.value for w in at.warning)
    assert at.query_params["defs"] == defs
    # changing an option that changes what figures mean changes the hash in the URL, silently
    at.sidebar.toggle[0].set_value(True).run()
    assert at.query_params["defs"] != defs and not at.exception


def test_rhythm_page_changes_with_the_session_gap(app_env):
    at = app().run()
    at.switch_page("app_pages/rhythm.py").run()
    assert not at.exception
    assert at.title[0].value == "Work rhythm and velocity"
    before = [t.value for t in at.markdown]
    gap = next(n for n in at.sidebar.number_input if "session gap" in n.label)
    gap.set_value(30).run()
    assert not at.exception and at.query_params["gap"] == "30"
    assert [t.value for t in at.markdown] != before or any("30 min" in c.value
                                                          for c in at.caption)



def test_url_values_reach_a_bounded_set_of_cached_case_studies():
    """Every gap a URL may carry (10–720) lands on one of 72 steps, and repeated peers count
    once: a visitor cannot mint unbounded distinct case studies from one repository."""
    from casestudy.app.data import CASE_STUDIES, bounded_options

    keys = {bounded_options(Options("demo/atlas", ("demo/borealis",), session_gap=g))
            .session_gap for g in range(10, 721)}
    assert len(keys) == 72 and min(keys) == 10 and max(keys) == 720
    many = ("demo/borealis", "demo/cirrus", "demo/borealis", "demo/atlas") * 50
    assert bounded_options(Options("demo/atlas", many)).peers == ("demo/borealis", "demo/cirrus")
    assert 1 <= CASE_STUDIES <= 64


def test_repeated_peers_in_a_link_build_the_deduplicated_case_study(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["peers"] = ",".join(["demo/borealis"] * 30)
    at.query_params["gap"] = "125"
    at.run()
    at.switch_page("app_pages/export.py").run()
    assert not at.exception
    assert any("against demo/borealis, as on screen" in m.value for m in at.markdown)

