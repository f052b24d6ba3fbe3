"""The hosted layout in ``compose.yaml``: several app processes of one image behind Caddy, whose
balancing is sticky (a Streamlit session lives in one process) and which is the only published
port; every app process is a Caddy upstream."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def services(compose: str) -> dict[str, str]:
    """Top-level services of the compose file and their text (two-space indented keys)."""
    body = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    parts = re.split(r"^  ([a-z0-9_-]+):.*$", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_app_runs_as_several_processes_behind_a_sticky_caddy():
    compose = (ROOT / "compose.yaml").read_text()
    svc = services(compose)
    apps = sorted(name for name in svc if re.fullmatch(r"app\d+", name))
    assert len(apps) >= 2
    assert "image: casestudy" in svc[apps[0]] and "&app" in compose
    assert all("<<: *app" in svc[a] for a in apps[1:])
    assert all("ports:" not in svc[a] for a in apps)  # only the proxy is published
    assert "image: caddy:2" in svc["proxy"] and '"8501:8501"' in svc["proxy"]
    assert "./Caddyfile" in svc["proxy"]

    caddy = (ROOT / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddy).group(1).split()
    assert sorted(u.split(":")[0] for u in upstreams) == apps
    assert re.search(r"^\s*lb_policy cookie \w+", caddy, re.M)
    assert "health_uri /_stcore/health" in caddy


def test_every_app_process_signs_cookies_with_one_shared_secret():
    """A sign-in made through one process holds on the others (``test_cookie_secret`` shows
    it in Chromium): the app processes share one secret file, never built into the image."""
    compose = (ROOT / "compose.yaml").read_text()
    anchor = services(compose)["app1"]
    assert "CASESTUDY_COOKIE_SECRET_FILE: /run/secrets/cookie_secret" in anchor
    assert re.search(r"^    secrets:\n      - cookie_secret$", anchor, re.M)
    top = compose.split("\nsecrets:\n", 1)[1]
    assert re.match(r"  cookie_secret:.*\n    file: \./cookie_secret\.txt", top)
    assert "cookie_secret.txt" in (ROOT / ".dockerignore").read_text()
    assert "cookie_secret.txt" in (ROOT / ".gitignore").read_text()
