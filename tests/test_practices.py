"""Engineering-practice audit (issue 19): small repositories built here with and without each
practice, read by the git source; the scorecard, its evidence paths, first appearances and the
share of code PRs that also changed tests, against hand counts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from casestudy import practice_rules as rules
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store

T0 = 1_698_796_800  # 2023-11-01 00:00 UTC
DAY = 86400


def git(repo: Path, *args: str, when: int | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent),
           "GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@x.org",
           "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@x.org"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def land(repo: Path, subject: str, when: int, files: dict[str, str]) -> None:
    """One squash landing (``subject`` ends in ``(#N)``) adding or changing ``files``."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", subject, when=when)


def new_repo(base: Path, name: str) -> Path:
    r = base / name
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "remote", "add", "origin", f"https://github.com/octo/{name}.git")
    land(r, "Initial commit", T0, {"README.md": "hello\n"})
    return r


@pytest.fixture(scope="module")
def ml_store(tmp_path_factory) -> Store:
    """An ML project that gains each practice over November 2023, with PRs that change code
    with and without tests."""
    base = tmp_path_factory.mktemp("practices")
    r = new_repo(base, "mlproj")
    land(r, "Add model (#1)", T0 + 1 * DAY, {"src/model.py": "x = 1\n",
                                             "requirements.txt": "torch==2.1.0\nnumpy==1.26.4\n"})
    land(r, "Add tests (#2)", T0 + 2 * DAY, {"src/train.py": "y = 2\n",
                                             "tests/test_model.py": "def test(): pass\n"})
    land(r, "Add CI (#3)", T0 + 3 * DAY, {".github/workflows/ci.yml": "on: push\n",
                                          ".pre-commit-config.yaml": "repos: []\n"})
    land(r, "Tweak model (#4)", T0 + 4 * DAY, {"src/model.py": "x = 3\n"})
    land(r, "Fix train (#5)", T0 + 5 * DAY, {"src/train.py": "y = 5\n",
                                             "tests/test_train.py": "def test(): pass\n"})
    land(r, "Track data (#6)", T0 + 6 * DAY, {"data/train.csv.dvc": "outs: []\n",
                                              "notebooks/explore.ipynb": "{}\n"})
    land(r, "Docs only (#7)", T0 + 7 * DAY, {"docs/usage.md": "use it\n"})
    land(r, "Refactor (#8)", T0 + 8 * DAY, {"src/model.py": "x = 8\n"})
    s = Store(base / "s.sqlite")
    sync_git(s, r)
    return s


def test_ml_project_scorecard_with_evidence_and_first_appearance(ml_store):
    cs = build_case_study(ml_store, Options("octo/mlproj"))
    p = cs.practices
    rows = {r.key: r for r in p.rows}
    assert p.ml and p.frameworks == {"torch": "requirements.txt"}
    assert rows["tests"].status == "present"
    assert rows["tests"].evidence == ["tests/test_model.py", "tests/test_train.py"]
    assert rows["tests"].first_seen == "2023-11-03 (tests/test_model.py)"
    assert rows["ci"].evidence == [".github/workflows/ci.yml"]
    assert rows["ci"].first_seen.startswith("2023-11-04")
    assert rows["lint"].evidence == [".pre-commit-config.yaml"]
    # every requirement is pinned: the requirements file locks the environment
    assert rows["locked_env"].evidence == ["requirements.txt (all 2 requirements pinned)"]
    assert rows["data_versioning"].evidence == ["data/train.csv.dvc"]
    assert rows["data_versioning"].first_seen.startswith("2023-11-07")
    assert rows["experiment_tracking"].status == "missing"
    assert rows["cards"].status == "missing"
    assert (p.present, p.applicable) == (5, 7)
    assert p.notebooks == 1
    # PRs that changed code: #1, #2, #4, #5, #8 — since tests appeared (#2): #2, #4, #5, #8;
    # of those #2 and #5 changed tests too
    nov = next(s for s in p.tests_with_code if s.period == "2023-11")
    assert (nov.code_prs, nov.with_tests) == (4, 2)
    md = render(cs, "md")
    assert "## Engineering practices" in md and "`data/train.csv.dvc`" in md
    rec = next(r for r in cs.recommendations if r.rule == "ml-practice-gaps")
    assert "torch (requirements.txt)" in rec.evidence and "model or data cards" in rec.evidence


def test_bare_project_has_every_general_practice_missing(tmp_path):
    r = new_repo(tmp_path, "bare")
    land(r, "Add main (#1)", T0 + DAY, {"src/main.go": "package main\n",
                                        "requirements-docs.txt": "sphinx>=7\n"})
    land(r, "Add LFS (#2)", T0 + 2 * DAY, {".gitattributes": "*.bin filter=lfs diff=lfs\n"})
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/bare"))
    p = cs.practices
    rows = {r.key: r for r in p.rows}
    assert not p.ml
    assert [rows[k].status for k in ("tests", "ci", "locked_env", "lint")] == ["missing"] * 4
    assert {rows[k].status for k in ("data_versioning", "experiment_tracking", "cards")} == \
        {"not applicable"}
    assert (p.present, p.applicable) == (0, 4)
    rules = {r.rule for r in cs.recommendations}
    assert {"set-up-ci", "lock-environment"} <= rules and "ml-practice-gaps" not in rules
    pdf = render(cs, "pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Engineering practices" in text and "Not an ML project" in text


def test_lfs_patterns_prove_data_versioning_in_an_ml_project(tmp_path):
    r = new_repo(tmp_path, "lfs")
    land(r, "Add net (#1)", T0 + DAY, {"pyproject.toml": '[project]\ndependencies = [\n'
                                       '  "jax>=0.4",\n]\n[tool.ruff]\nline-length = 99\n',
                                       "net.py": "z = 1\n"})
    land(r, "Weights in LFS (#2)", T0 + 2 * DAY,
         {".gitattributes": "*.ckpt filter=lfs diff=lfs merge=lfs -text\n",
          "MODEL_CARD.md": "# Model card\n", "requirements-train.txt": "mlflow>=2.9\n",
          "train.py": "import mlflow\n\nmlflow.autolog()\n",
          ".circleci/config.yml": "version: 2.1\n"})
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    p = build_case_study(s, Options("octo/lfs")).practices
    rows = {r.key: r for r in p.rows}
    assert p.ml and "jax" in p.frameworks
    assert rows["data_versioning"].evidence == [".gitattributes (filter=lfs)"]
    assert rows["lint"].evidence == ["pyproject.toml ([tool.ruff])"]
    assert rows["cards"].evidence == ["MODEL_CARD.md"]
    # evidence of use, not the dependency list (issue 29)
    assert rows["experiment_tracking"].evidence == ["train.py (imports mlflow)"]
    assert rows["ci"].evidence == [".circleci/config.yml"]
    assert rows["ci"].first_seen.startswith("2023-11-03")


def test_an_import_has_no_audit_and_says_why(tmp_path, demo_store):
    cs = build_case_study(demo_store, Options("demo/atlas"))
    assert cs.practices is None and "no repository tree" in cs.practices_unavailable
    md = render(cs, "md")  # said once, in the box of what the data cannot show
    assert "## Engineering practices" not in md
    assert "- **Engineering practices**: Its data (synthetic) has no repository tree" in md


def test_github_tree_audit_against_the_fake_server(tmp_path):
    from casestudy.sources.github import GitHubClient
    from tests.fakegithub.server import FakeGitHub, generate_repo

    with FakeGitHub(tokens={"t": set()}) as fake:
        repo = fake.add(generate_repo("acme", "widgets", 60, seed=3))
        s = Store(tmp_path / "s.sqlite")
        c = GitHubClient("t", base_url=fake.base_url, min_interval=None)
        c.sync(s, "acme/widgets")
        assert fake.ops["Blobs"] == 1  # one query for the dependency files
        cs = build_case_study(s, Options("acme/widgets"))
        p = cs.practices
        rows = {r.key: r for r in p.rows}
        assert p.source == "github" and p.ml and p.frameworks == {"torch": "requirements.txt"}
        assert rows["tests"].evidence == ["tests/test_core.py"]
        assert rows["ci"].evidence == [".github/workflows/ci.yml"]
        assert rows["locked_env"].evidence == ["requirements.txt (all 2 requirements pinned)"]
        assert p.notebooks == 1 and rows["tests"].first_seen == ""
        assert "not the history" in p.history_note
        # an unchanged head is not read again; a new file at a new head is
        c.sync(s, "acme/widgets")
        assert fake.ops["Blobs"] == 1
        repo.files["MODEL_CARD.md"] = "# card\n"
        c.sync(s, "acme/widgets")  # the fake's head does not move: the audit stays
        assert "MODEL_CARD.md" not in str(s.audit("acme/widgets"))
        s.set_audit("acme/widgets", {**s.audit("acme/widgets"), "head": "old"})
        c.sync(s, "acme/widgets")
        assert s.audit("acme/widgets")["matches"]["cards"] == ["MODEL_CARD.md"]


def _audit(files: dict[str, str]) -> dict:
    from casestudy.sources.practices import audit_paths

    deps = {f: t for f, t in files.items() if rules.DEPENDENCY_FILES.match(f)}
    code = {f: t for f, t in files.items() if f.endswith(".py") and rules.is_code_path(f)}
    return audit_paths(sorted(files), deps, code)


SETUP_PY = '''from setuptools import setup
extras = {}
extras["test_trackers"] = ["wandb", "comet-ml", "torch"]
setup(name="lib", description="Tools for PyTorch", keywords=["torch", "pytorch"],
      install_requires=[%s], extras_require=extras)
'''


@pytest.mark.parametrize(("files", "ml"), [
    ({"setup.py": SETUP_PY % '"numpy"'}, False),  # torch only in a test extra and keywords
    ({"setup.py": SETUP_PY % '"numpy", "torch>=2.0"'}, True),
    ({"pyproject.toml": '[project]\ndependencies = ["httpx"]\n'
                        '[project.optional-dependencies]\ntest = ["torch", "jax"]\n'}, False),
    ({"pyproject.toml": '[project]\ndependencies = ["httpx"]\n'
                        '[project.optional-dependencies]\ngpu = ["torch"]\n'}, True),
    ({"requirements-dev.txt": "torch==2.1\n", "docs/requirements.txt": "tensorflow\n"}, False),
    ({"requirements.txt": "torch>=2.1\n"}, True),
    ({"package.json": '{"dependencies": {"react": "18"}, "devDependencies": {"onnxruntime": "1"}}'},
     False),
    # an MLflow project's conda environment is its runtime environment
    ({"conda.yaml": "name: t\ndependencies:\n  - scikit-learn>0.19.1\n  - pip:\n    - mlflow\n"},
     True),
    # a framework named only in a comment is not a requirement (tqdm's environment.yml)
    ({"environment.yml": "dependencies:\n  - numpy  # keras: optional\n# - tensorflow\n"}, False),
    ({"requirements.txt": "numpy\ntorch>=2.1  # the model runtime\n"}, True),
])
def test_ml_project_from_runtime_dependencies_only(files, ml):
    assert bool(_audit(files)["ml_frameworks"]) is ml


@pytest.mark.parametrize(("files", "locked"), [
    ({"environment.yml": "name: x\ndependencies:\n  - python=3.11\n  - numpy\n"}, False),
    ({"environment.yml": "name: x\ndependencies:\n  - python=3.11.5\n  - numpy=1.26.4\n"
                         "  - pip:\n    - torch==2.1.0\n"}, True),
    ({"requirements.txt": "numpy>=1.26\n"}, False),
    ({"requirements.txt": "numpy==1.26.4 \\\n    --hash=sha256:abc\n"}, True),
    ({"uv.lock": "version = 1\n"}, True),
    ({"pixi.lock": "version: 6\n"}, True),
    # the package itself installed from source: its own dependencies resolve freely
    ({"requirements.txt": "-e .[http2]\npytest==8.4.1\nruff==0.12.1\n"}, False),
    ({"requirements.txt": ".[full]\npytest==8.4.1\n"}, False),
    # a pinned tool of the tests or of CI does not lock the project's environment
    ({"tests/requirements.txt": "impacket==0.13.1\n"}, False),
    ({".github/scripts/requirements.txt": "codespell==2.4.3\nruff==0.16.2\n"}, False),
    ({"conda.yaml": "name: t\ndependencies:\n  - numpy>=1.14\n"}, False),
])
def test_locked_environment_means_a_pinned_resolution(files, locked):
    a = _audit(files)
    assert bool(a["matches"]["locked_env"] or a["content"].get("locked_env")) is locked


def test_experiment_tracking_needs_an_import_in_the_code_that_runs():
    extra_only = _audit({"setup.py": SETUP_PY % '"torch"', "src/lib/train.py": "x = 1\n"})
    assert "experiment_tracking" not in extra_only["content"]  # a test extra names wandb
    lazy = _audit({"src/lib/tracking.py": "def init():\n    import wandb\n    wandb.init()\n"})
    assert "experiment_tracking" not in lazy["content"]  # an integration offered to users
    in_test = _audit({"tests/test_train.py": "import mlflow\n"})
    assert "experiment_tracking" not in in_test["content"]
    used = _audit({"train.py": "import wandb\nfrom x import y\n"})
    assert used["content"]["experiment_tracking"] == ["train.py (imports wandb)"]


@pytest.mark.parametrize(("code", "evidence"), [
    # a training script that imports its tracker under a module-level switch
    ("wandb_log = True\nif wandb_log:\n    import wandb\n    wandb.init()\n",
     "imports wandb at module level"),
    # a tracker chosen in the code that runs: a keyword, a default, a conditional value
    ("args = dict(report_to='wandb' if use_wandb else None)\n", "configures wandb"),
    ("def pretrain(logger_name: str = 'tensorboard'):\n    pass\n", "configures tensorboard"),
    # an optional integration a library offers its users is no use of its own
    ("from x import is_wandb_available\nif is_wandb_available():\n    import wandb\n", None),
    ("try:\n    import mlflow\nexcept ImportError:\n    mlflow = None\n", None),
    ("def init():\n    import wandb\n", None),
    # an example in a docstring is not code that runs
    ('def track():\n    """>>> Accelerator(log_with="tensorboard")"""\n', None),
])
def test_experiment_tracking_from_a_run_recorded_in_code(code, evidence):
    a = _audit({"src/lib/train.py": code})
    assert a["content"].get("experiment_tracking") == (
        [f"src/lib/train.py ({evidence})"] if evidence else None)


def test_an_initialised_but_empty_dvc_proves_no_data_versioning():
    assert _audit({".dvc/config": "", ".dvcignore": ""})["match_counts"]["data_versioning"] == 0
    assert _audit({"data/train.csv.dvc": "outs: []\n"})["match_counts"]["data_versioning"] == 1


@pytest.mark.parametrize(("files", "lint"), [
    ({"setup.cfg": "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 88\n"}, True),
    ({"setup.cfg": "[mypy]\nstrict = True\n"}, True),
    ({"setup.cfg": "[metadata]\nname = x\n[options]\ninstall_requires = flake8\n"}, False),
    ({"pyproject.toml": "[tool.black]\nline-length = 88\n"}, True),
    ({"pyproject.toml": "[project]\nname = 'x'\n"}, False),
])
def test_lint_config_in_setup_cfg_or_pyproject(files, lint):
    a = _audit(files)
    assert bool(a["matches"]["lint"] or a["content"].get("lint")) is lint
