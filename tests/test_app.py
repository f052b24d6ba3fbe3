"""The Streamlit app through AppTest: every page renders on the demo store."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_overview_lists_demo_repos(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert set(frame["repository"]) == {"demo/atlas", "demo/borealis", "demo/cirrus"}
    assert any("synthetic demo data" in i.value for i in at.info)
