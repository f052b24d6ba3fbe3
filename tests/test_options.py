"""Report options are declared once (``casestudy.options``): the CLI's report arguments, the
app's widgets and URL, ``Options`` and the drill-down all follow the declarations; a value out
of range is refused in one sentence everywhere."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from casestudy import metrics
from casestudy.cli.main import build_parser
from casestudy.options import (
    BUSINESS_HOURS,
    BY_NAME,
    DECLARED,
    SESSION_GAP,
    Bounded,
    Choice,
    OptionError,
    Options,
)
from casestudy.report.build import build_case_study
from casestudy.report.drilldown import STAGE_KEYS, pr_rows
from tests.conftest import ROOT
from tests.test_cli import run


def test_every_report_option_is_declared_once_and_the_report_takes_them():
    names = [o.name for o in DECLARED]
    assert len(names) == len(set(names))
    assert {f.name for f in dataclasses.fields(Options)} == {"subject", *names}
    plain = Options("o/r")
    for option in DECLARED:
        assert getattr(plain, option.name) == option.default, option.name
        assert option.label and option.help and option.what.startswith("the "), option.name
        if isinstance(option, Bounded):
            low, high = option.bounds
            assert low <= option.default <= high, option.name
            for bad in (low - 1, high + 1):
                with pytest.raises(OptionError, match=rf"^{option.what} must be from {low} to"):
                    Options("o/r", **{option.name: bad})
        if isinstance(option, Choice):
            assert option.default in option.choices
            with pytest.raises(OptionError, match=f"^{option.what} must be one of"):
                Options("o/r", **{option.name: "nonsense"})
    from casestudy.report.build import Options as BuildOptions

    assert BuildOptions is Options


def test_the_session_gap_has_one_range_that_keeps_todays_reports():
    assert SESSION_GAP.default == 120 and SESSION_GAP.bounds == (10, 720)
    assert Options("o/r", session_gap=120).session_gap == 120
    for bad in (9, 721, 1440):
        with pytest.raises(OptionError):
            Options("o/r", session_gap=bad)
    with pytest.raises(OptionError, match="START-END"):
        Options("o/r", business_hours=(17, 9))
    assert Options("o/r", business_hours=[8, 18]).business_hours == (8, 18)
    with pytest.raises(OptionError, match="time zone"):
        Options("o/r", tz="Mars/Olympus")


def test_the_report_command_has_one_argument_per_declared_option():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    report = sub.choices["report"]
    flags = {s: a for a in report._actions for s in a.option_strings}
    for option in DECLARED:
        action = flags[option.flag]
        assert action.dest == option.name and option.help in action.help
        if option.default not in (None, ()):
            assert f"(default {option.default})" in action.help
    assert flags["--include-bots"].dest == "bots"


@pytest.mark.parametrize(("args", "says"), [
    (["--session-gap", "5000"], "--session-gap must be from 10 to 720 minutes, not 5000"),
    (["--session-gap", "soon"], "--session-gap must be a whole number from 10 to 720 minutes"),
    (["--business-hours", "17-9"], "--business-hours must be START-END hours"),
    (["--bots", "some"], "--bots must be one of exclude, include, only, not 'some'"),
    (["--period", "day"], "--period must be one of month, week, not 'day'"),
    (["--window", "0"], "--window must be from 1 to 24 periods, not 0"),
    (["--tz", "Mars/Base"], "--tz must be an IANA time zone name"),
])
def test_the_cli_refuses_a_value_out_of_range_in_one_sentence(demo_db, args, says):
    r = run("report", "demo/cirrus", "--db", str(demo_db), *args)
    assert r.returncode == 2
    assert r.stderr.startswith(f"casestudy: error: {says}"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_cli_takes_the_declared_options(demo_db, tmp_path):
    out = tmp_path / "r.json"
    r = run("report", "demo/cirrus", "--db", str(demo_db), "--format", "json", "--out", str(out),
            "--bots", "include", "--business-hours", "8-18", "--session-gap", "60",
            "--session-allowance", "15", "--min-n", "5", "--window", "2", "--months", "12")
    assert r.returncode == 0, r.stderr
    import json

    cs = json.loads(out.read_text())
    assert cs["options"]["bots"] == "include" and cs["options"]["business_hours"] == [8, 18]
    assert cs["options"]["session_gap"] == 60 and cs["options"]["session_allowance"] == 15
    assert cs["options"]["min_n"] == 5 and cs["options"]["window"] == 2


def test_the_drilldown_lists_the_durations_the_report_counts(demo_store):
    """With business hours and a time zone, each period's median of the listed durations is the
    report's working-hours figure (wall-clock hours would be several times larger)."""
    opts = Options("demo/atlas", tz="Europe/Berlin", business_hours=BUSINESS_HOURS.preset)
    cs = build_case_study(demo_store, opts)
    wall = Options("demo/atlas", tz="Europe/Berlin")
    a = demo_store.load_arrays(["demo/atlas"])
    for key in STAGE_KEYS:
        series = next(s for s in cs.series if s.metric == key and s.repo == "demo/atlas")
        point = next(p for p in reversed(series.points) if p.value is not None and p.n >= 50)
        col = metrics.get(key).name + " (h)"
        listed = pr_rows(demo_store, a, key, point.period, opts, limit=10**6)[col].dropna()
        assert len(listed) == point.n, key
        assert np.median(listed) == pytest.approx(point.value / 3600, abs=0.01), key
        clock = pr_rows(demo_store, a, key, point.period, wall, limit=10**6)[col].dropna()
        assert np.median(clock) > np.median(listed), key


def _app(params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    return at


def test_the_app_refuses_a_value_out_of_range_in_one_sentence(app_env):
    at = _app({"gap": "5000", "bots": "some"}).run()
    assert not at.exception
    # they quote the URL, so they are inert Markdown: shown as written once unescaped
    warnings = [w.value.replace("\\", "") for w in at.sidebar.warning]
    assert "The coding-session gap must be from 10 to 720 minutes, not 5000: using 120." in \
        warnings
    assert any(w.startswith("The bot setting must be one of exclude, include, only")
               for w in warnings)
    gap = at.sidebar.number_input(key="w_gap")
    assert (gap.min, gap.max, gap.value) == (*SESSION_GAP.bounds, SESSION_GAP.default)
    assert at.sidebar.radio(key="w_bots").value == BY_NAME["bots"].default
    assert "gap" not in at.query_params and "bots" not in at.query_params  # the URL is mended


def test_the_app_drilldown_follows_the_business_hours_switch(app_env):
    at = _app({"month": "2026-10", "stage": "cycle_time", "tz": "Europe/Berlin"}).run()
    at.switch_page("app_pages/pull_requests.py").run()
    col = metrics.get("cycle_time").name + " (h)"
    wall = at.dataframe[0].value[col].dropna()
    at.sidebar.toggle(key="w_bh").set_value(True).run()
    assert not at.exception
    working = at.dataframe[0].value[col].dropna()
    assert working.median() < wall.median() / 2
    assert any("working hours only (09:00–17:00 Mon–Fri, Europe/Berlin)" in c.value
               for c in at.caption)
