"""A hosted instance is safe against its own visitors: the server's token goes nowhere but the
configured API, private repositories stay their owner's, hostile names render inert, git
arguments cannot become options, caches are private, and the operator's tools (sync-all,
health) report what they did. Real parts: the fake GitHub and a second recording server on
127.0.0.1, real git, a real SQLite store, WeasyPrint, AppTest."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from casestudy.app.actions import import_uploads, read_clone, sync_github
from casestudy.app.state import account_key
from casestudy.cli import main
from casestudy.config import SettingError, cache_dir, check_clone_path
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.source_kinds import GIT, GITHUB
from casestudy.sources.git import GitSourceError, sync_git
from casestudy.sources.sync import SyncRequest, Visitor, sync
from casestudy.store import Store, StoreError
from casestudy.store.keys import person_key
from casestudy.store.namespaces import shown
from tests.conftest import ROOT
from tests.fakegithub.server import FakeGitHub, generate_repo
from tests.test_git_dora import T0, new_repo

A, B = "token-of-a", "token-of-b"


class Recorder:
    """An HTTP server that answers 404 to everything and records each Authorization header."""

    def __init__(self):
        self.headers: list[str | None] = []
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                rec.headers.append(self.headers.get("Authorization"))
                self.send_response(404)
                self.end_headers()

            do_GET = do_POST = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def fake():
    with FakeGitHub(tokens={A: {"acme/secret"}, B: set()}) as f:
        f.add(generate_repo("acme", "secret", 20, seed=2)).private = True
        f.add(generate_repo("acme", "one", 15, seed=3))
        f.add(generate_repo("acme", "two", 15, seed=4))
        yield f


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def _quiet(_p) -> None:
    pass


@pytest.mark.parametrize("hosted", [True, False])
def test_the_server_token_goes_nowhere_but_the_configured_api(fake, recorder, tmp_path,
                                                             monkeypatch, hosted):
    monkeypatch.setenv("GITHUB_TOKEN", "server-secret")
    monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
    monkeypatch.setenv("CASESTUDY_HOSTED", "1" if hosted else "")
    s = Store(tmp_path / "s.sqlite")
    with pytest.raises(SettingError):
        sync_github(s, "acme/one", "", recorder.url, "auto", None, _quiet)
    assert recorder.headers == []  # not one request, so no header at all
    if hosted:  # a hosted instance calls no other host, even with the visitor's own token
        with pytest.raises(SettingError):
            sync_github(s, "acme/one", B, recorder.url + "/api/v3", "auto", None, _quiet)
        assert recorder.headers == []
    else:  # on your own machine your own token may go where you say
        with pytest.raises(Exception):  # noqa: B017 - the recorder answers 404
            sync_github(s, "acme/one", B, recorder.url, "auto", None, _quiet)
        assert recorder.headers and all("server-secret" not in (h or "")
                                        for h in recorder.headers)


def test_b_cannot_see_or_overwrite_a_private_repository(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    db = tmp_path / "s.sqlite"
    s = Store(db)
    out = sync_github(s, "acme/secret", A, fake.base_url, "auto", None, _quiet)
    assert out.account == account_key(A)
    sync(s, SyncRequest(GITHUB.key, "acme/one", token=B, base_url=fake.base_url))  # operator
    secret = s.named("acme/secret", account_key(A))  # filed under A's key (``namespaces``)
    assert shown(secret) == "acme/secret"
    assert secret not in s.repos(visible_to=account_key(B))
    assert secret not in s.repos(visible_to="")
    before = s.count_prs(secret)
    # B (or anyone without A's account) imports or reads a clone under the same name: their
    # own repositories, A's untouched
    b = Visitor((account_key(B),))  # a session that synced with B's token
    csv = "repo,number,title,merged_at\nacme/secret,1,taken over,2024-01-01T00:00:00Z\n"
    import_uploads(s, [("pull_requests.csv", csv.encode())], "canonical tables",
                   owner=account_key(B), visitor=b)
    clone = new_repo(tmp_path, "clone")
    bs = s.named("acme/secret", account_key(B))
    assert bs != secret and [p.title for p in s.pull_requests(bs)] == ["taken over"]
    sync(s, SyncRequest(GIT.key, str(clone), repo="acme/secret", account_key=account_key(B),
                        visitor=b))  # B's own, written again from a clone
    assert s.named("acme/secret", account_key(B)) == bs and s.repo_info(bs).source == GIT.key
    assert s.count_prs(secret) == before
    assert s.repo_info(secret).account_key == account_key(A)  # still private, still A's
    # the error for an unknown name lists public repositories only
    with pytest.raises(StoreError) as err:
        s.repo_info("acme/nope")
    assert "acme/secret" not in str(err.value)

    # two app sessions: A sees the private repository, B does not (not even by URL)
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CASESTUDY_DB", str(db))
    at_a = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at_a.session_state["account_key"] = account_key(A)
    at_a.query_params["repo"] = "acme/secret"
    at_a.run()
    assert not at_a.exception and at_a.title[0].value == "acme/secret"
    at_b = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at_b.query_params["repo"] = "acme/secret"
    at_b.run()
    assert not at_b.exception
    assert at_b.title[0].value != "acme/secret"
    assert "acme/secret" not in at_b.sidebar.selectbox[0].options


def test_hostile_names_and_labels_render_inert(tmp_path, monkeypatch):
    db = tmp_path / "s.sqlite"
    s = Store(db)
    hostile = "x/<img src=x onerror=alert(1)>"  # a name GitHub would not allow: refused
    with pytest.raises(StoreError, match="not a repository name"):
        import_uploads(s, [("pull_requests.csv", f'repo,number\n"{hostile}",1\n'.encode())],
                       "canonical tables")
    evil = "x/evil"
    csv = ("repo,number,title,labels,merged_at,first_commit_at,author\n" + "\n".join(
        f'"{evil}",{k},"<script>alert({k})</script> [a](javascript:alert(1)) **b**",'
        f'"[""<b>bug</b>"", ""](file:///etc/passwd)""]",2024-01-{k:02d}T10:00:00Z,'
        f'2024-01-{k:02d}T08:00:00Z,"<i>mallory</i>"' for k in range(1, 28)))
    import_uploads(s, [("pull_requests.csv", csv.encode())], "canonical tables")
    assert s.repos() == [evil]
    cs = build_case_study(s, Options(evil))
    html = render(cs, "html")
    assert "<script>alert" not in html and "<b>bug" not in html
    assert "javascript:" not in html.replace("[a](javascript:alert(1))", "")
    md = render(cs, "md")
    assert "<img" not in md and "<script>" not in md
    if shutil.which("pdftotext"):
        (tmp_path / "r.pdf").write_bytes(render(cs, "pdf"))
        text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "x/evil" in text
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CASESTUDY_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    assert at.title[0].value == evil
    for page in ("metrics", "recommendations", "pull_requests", "compare"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, page
        for md_el in at.markdown:
            assert "<script>" not in md_el.value and "<img src" not in md_el.value, page


def test_git_arguments_never_become_options(tmp_path, monkeypatch):
    r = new_repo(tmp_path, "opts")
    s = Store(tmp_path / "s.sqlite")
    target = tmp_path / "overwritten"
    for bad in (f"--output={target}", "-p", "main:secret", "a b", "x~1"):
        with pytest.raises(GitSourceError, match="not a branch name"):
            sync_git(s, r, branch=bad)
    assert not target.exists()
    # a ref named like an option is read as a ref (after --end-of-options), never as an option
    with pytest.raises(GitSourceError):
        sync_git(s, r, branch="-branch")
    # hosted: clones only inside the configured folder (symlinks resolved), or none at all
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    monkeypatch.delenv("CASESTUDY_GIT_ROOT", raising=False)
    with pytest.raises(SettingError, match="off on this hosted instance"):
        read_clone(s, str(r))
    monkeypatch.setenv("CASESTUDY_GIT_ROOT", str(tmp_path / "allowed"))
    (tmp_path / "allowed").mkdir()
    os.symlink(r, tmp_path / "allowed" / "link")
    with pytest.raises(SettingError, match="only clones inside"):
        check_clone_path(str(tmp_path / "allowed" / "link"))
    inside = new_repo(tmp_path / "allowed", "ok", T0)
    signed_in = Visitor((person_key("https://login.example.org", "someone"),), True)
    assert read_clone(s, str(inside), visitor=signed_in).messages[0][0] == "success"


def test_uploads_are_capped_and_caches_private(tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_MAX_UPLOAD_MB", "0.001")
    s = Store(tmp_path / "s.sqlite")
    from casestudy.sources.files import ImportError_

    with pytest.raises(ImportError_, match="at most"):
        import_uploads(s, [("pull_requests.csv", b"x" * 5000)], "canonical tables")
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir(mode=0o777)
    d = cache_dir("numba")
    assert d.stat().st_mode & 0o077 == 0


def test_sync_all_goes_on_after_a_failure_and_says_what_failed(fake, tmp_path, monkeypatch,
                                                              capsys):
    monkeypatch.setenv("GITHUB_TOKEN", B)
    monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
    lst = tmp_path / "repos.toml"
    lst.write_text("\n".join(
        f'[[repo]]\nname = "{n}"\nbase_url = "{fake.base_url}"\n'
        for n in ("acme/one", "acme/missing")) + '\npeers = ["acme/two"]\n')
    db = str(tmp_path / "s.sqlite")
    code = main(["sync-all", str(lst), "--db", db])
    out, err = capsys.readouterr()
    assert code == 1
    assert "synced 2 of 3 repositories; failed: acme/missing" in out
    assert "acme/missing: FAILED" in err
    assert set(Store(db).repos()) == {"acme/one", "acme/two"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[repo]]\nname = "not a repo"\n')
    assert main(["sync-all", str(bad), "--db", db]) == 2


def test_health_command(tmp_path, capsys):
    assert main(["health", "--db", str(tmp_path / "h.sqlite")]) == 0
    assert capsys.readouterr().out.startswith("ok: store ")


def test_deployment_files_are_there():
    for name in ("Dockerfile", "compose.yaml", "packages.txt", "repos.example.toml"):
        assert (ROOT / name).exists(), name
    apt = (ROOT / "packages.txt").read_text().split()
    make = (ROOT / "Makefile").read_text()
    runtime = make.split("APT_RUNTIME :=")[1].split("APT_TEST")[0].replace("\\", " ").split()
    assert set(runtime) <= set(apt)
    assert "casestudy warm" in (ROOT / "Dockerfile").read_text()
    from casestudy.sources.repo_list import read_repo_list

    assert read_repo_list(ROOT / "repos.example.toml")
    assert Path(ROOT / "compose.yaml").read_text().count("casestudy") >= 2
    # an image never carries secrets, stores or the virtualenv
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv/", ".git/", ".streamlit/secrets.toml", "*.sqlite", ".env"} <= ignored
