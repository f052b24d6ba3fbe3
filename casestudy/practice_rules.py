"""The engineering-practice rules: which paths (and which lines of dependency files) prove a
practice, which practices apply to every project and which only to ML projects, and what counts
as a test or a code change. A registry like the metrics and the bug-fix rules: the sources match
paths with it when they read a repository, the analysis scores with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPLIES_ALL, APPLIES_ML = "all", "ml"


@dataclass(frozen=True)
class Practice:
    key: str
    name: str
    applies: str  # "all" | "ml"
    paths: re.Pattern  # a path that proves it (matched against the whole path)
    why: str  # what it is for, in one sentence
    # a dependency or config line that proves it (read from DEPENDENCY_FILES), or None
    content: re.Pattern | None = None


def _p(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


_TEST_FILES = (r"(^|.*/)(tests?|testing|__tests__|spec|e2e)/.+",
               r"(^|.*/)(test_[^/]+\.py|[^/]+_test\.(py|go|rs|cc|cpp)|conftest\.py)$",
               r"(^|.*/)[^/]+\.(test|spec)\.[jt]sx?$",
               r"(^|.*/)[^/]+Tests?\.(java|kt|cs|swift)$")
_TEST_CONFIG = (r"(^|.*/)(pytest\.ini|tox\.ini|noxfile\.py|jest\.config\.[cm]?[jt]s|"
                r"vitest\.config\.[cm]?[jt]s|karma\.conf\.js|phpunit\.xml(\.dist)?)$",)

PRACTICES: tuple[Practice, ...] = (
    Practice("tests", "Automated tests", APPLIES_ALL, _p(*_TEST_FILES, *_TEST_CONFIG),
             "Changes are checked by code, not by memory."),
    Practice("ci", "Continuous integration", APPLIES_ALL,
             _p(r"\.github/workflows/[^/]+\.ya?ml$", r"\.circleci/config\.ya?ml$",
                r"\.travis\.ya?ml$", r"\.gitlab-ci\.ya?ml$", r"azure-pipelines\.ya?ml$",
                r"(^|.*/)Jenkinsfile$", r"\.buildkite/.+", r"appveyor\.ya?ml$",
                r"\.drone\.ya?ml$", r"bitbucket-pipelines\.ya?ml$"),
             "Every change is built and tested the same way before it lands."),
    Practice("locked_env", "Locked environment", APPLIES_ALL,
             # pinned resolutions only: an environment.yml proves it by its content (every
             # package pinned), not by being there
             _p(r"(^|.*/)(poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|conda-lock\.ya?ml|"
                r"[^/]*\.conda-lock\.ya?ml|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|"
                r"Cargo\.lock|go\.sum|Gemfile\.lock|composer\.lock|requirements[^/]*\.lock|"
                r"flake\.lock|pixi\.lock|bun\.lockb?|Package\.resolved|mix\.lock|pubspec\.lock|"
                r"renv\.lock|conan\.lock|packages\.lock\.json|gradle\.lockfile)$"),
             "Anyone can rebuild the exact environment a result came from.",
             content=re.compile(r"^[A-Za-z0-9_.\-\[\]]+==\d", re.MULTILINE)),
    Practice("lint", "Linters, formatters, type checking", APPLIES_ALL,
             _p(r"(^|.*/)(\.pre-commit-config\.yaml|\.flake8|ruff\.toml|\.ruff\.toml|\.pylintrc|"
                r"pylintrc|mypy\.ini|\.mypy\.ini|pyrightconfig\.json|\.eslintrc(\.[a-z]+)?|"
                r"eslint\.config\.[cm]?[jt]s|\.prettierrc(\.[a-z]+)?|biome\.json|"
                r"\.golangci\.ya?ml|rustfmt\.toml|\.rustfmt\.toml|clippy\.toml|"
                r"\.rubocop\.yml|\.clang-format|\.clang-tidy|tsconfig\.json|\.editorconfig)$"),
             "Style and type errors are caught by tools, leaving reviews for design.",
             content=re.compile(r"^\[tool\.(ruff|mypy|pyright|pylint|black|isort)\]",
                                re.MULTILINE)),
    Practice("data_versioning", "Data and model versioning", APPLIES_ML,
             # files DVC tracks or a pipeline it runs (an initialised, empty .dvc/ proves no use)
             _p(r"(^|.*/)[^/]+\.dvc$", r"(^|.*/)dvc\.(yaml|lock)$"),
             "Each result can be traced to the data and model files that made it.",
             content=re.compile(r"filter=lfs")),
    Practice("experiment_tracking", "Experiment tracking or model registry", APPLIES_ML,
             _p(r"(^|.*/)MLproject$", r"(^|.*/)mlruns/.+", r"(^|.*/)wandb/settings$",
                r"(^|.*/)\.neptune/.+", r"(^|.*/)clearml\.conf$"),
             "Runs, parameters and metrics are recorded and comparable.",
             # evidence of use: a module-level import in the code that runs (not a test, an
             # example or a dependency list — a test extra naming wandb proves nothing; nor a
             # lazy import inside a library's integration for its users)
             content=re.compile(r"^(?:import|from)\s+(mlflow|wandb|comet_ml|neptune|clearml|"
                                r"aim|dvclive|sacred)\b", re.MULTILINE)),
    Practice("cards", "Model or data cards", APPLIES_ML,
             _p(r"(^|.*/)(model[_-]?card|data[_-]?card|datasheet)[^/]*\.(md|rst|txt|ya?ml)$",
                r"(^|.*/)MODEL_CARD[^/]*$", r"(^|.*/)DATA_CARD[^/]*$"),
             "What a model or dataset is for, how it was made and where it fails is written "
             "down."),
)
BY_KEY = {p.key: p for p in PRACTICES}

TRACKERS = r"(mlflow|wandb|comet_ml|neptune|clearml|aim|dvclive|sacred|trackio|tensorboard)"
_TRACKER = re.compile(rf"^{TRACKERS}$")
# a cheap look before parsing: an indented tracker import or a tracker named as a setting
_TRACKER_HINT = re.compile(
    rf"^\s+(?:import|from)\s+{TRACKERS}\b|\b(?:report_to|log_with|logger_name|logger|tracker)"
    rf"\b[^\n]*[\"']{TRACKERS}[\"']", re.MULTILINE | re.IGNORECASE)
TRACKER_SETTINGS = frozenset({"report_to", "log_with", "logger_name", "logger", "tracker"})


def _optional_guard(node: object) -> bool:
    """``if is_wandb_available():`` / ``try: … except ImportError`` — an optional integration a
    library offers its users, not a run it records."""
    import ast

    if isinstance(node, ast.If):
        return bool(re.search(r"available|find_spec", ast.unparse(node.test)))
    if isinstance(node, ast.Try):
        return any(h.type is not None and "ImportError" in ast.unparse(h.type)
                   for h in node.handlers)
    return False


def _tracker_value(node: object) -> str:
    import ast

    if isinstance(node, ast.IfExp):  # report_to="wandb" if use_wandb else None
        return _tracker_value(node.body) or _tracker_value(node.orelse)
    values = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    for v in values:
        if isinstance(v, ast.Constant) and isinstance(v.value, str) and \
                _TRACKER.match(v.value.lower()):
            return v.value.lower()
    return ""


def tracker_in_code(text: str) -> str:
    """Evidence in a file of the project's own code that it records its runs, beyond a
    module-level import: "imports X at module level" for a tracker imported outside any
    function or class and not behind an availability guard (``if wandb_log: import wandb`` in a
    training script), or "configures X" for a tracker chosen in code (``report_to="wandb"``, a
    ``logger_name="tensorboard"`` default) — never in a docstring or a comment. '' when none,
    or the file does not parse."""
    import ast

    if not _TRACKER_HINT.search(text):
        return ""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ""
    todo: list[tuple[ast.AST, bool]] = [(tree, True)]
    while todo:
        node, top = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)) and top:
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            for m in mods:
                if _TRACKER.match(m.split(".")[0]):
                    return f"imports {m.split('.')[0]} at module level"
        if isinstance(node, ast.keyword) and node.arg in TRACKER_SETTINGS:
            if name := _tracker_value(node.value):
                return f"configures {name}"
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in TRACKER_SETTINGS for t in targets):
                if name := _tracker_value(node.value):
                    return f"configures {name}"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.args + node.args.kwonlyargs
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + \
                list(node.args.defaults) + list(node.args.kw_defaults)
            for a, d in zip(args, defaults, strict=False):
                if d is not None and a.arg in TRACKER_SETTINGS and (name := _tracker_value(d)):
                    return f"configures {name}"
        inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                              ast.ClassDef, ast.Lambda)) \
            and not _optional_guard(node)
        todo.extend((c, inner) for c in ast.iter_child_nodes(node))
    return ""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ""
    names = re.compile(rf"^{TRACKERS}$")
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if names.match(a.name.split(".")[0]):
                    return a.name.split(".")[0]
        if isinstance(node, ast.ImportFrom) and node.module and \
                names.match(node.module.split(".")[0]):
            return node.module.split(".")[0]
        todo.extend(ast.iter_child_nodes(node))
    return ""

# Project signals at HEAD that are not scored as practices (the scorecard's figures stay as they
# are) but that a recommendation must check before advising to adopt them: key -> (name, paths).
SIGNALS: dict[str, tuple[str, re.Pattern]] = {
    "issue_template": ("issue templates", _p(r"(^|\.github/|docs/)ISSUE_TEMPLATE(\.md|/.+)$",
                                             r"(^|\.github/)issue_template\.md$")),
    "pr_template": ("a pull-request template",
                    _p(r"(^|\.github/|docs/)(PULL_REQUEST_TEMPLATE|pull_request_template)"
                       r"(\.md|/.+)$")),
    "contributing": ("a contributing guide",
                     _p(r"(^|\.github/|docs/)CONTRIBUTING(\.(md|rst|txt))?$")),
}


def signals_of(paths: list[str]) -> dict[str, list[str]]:
    """Per project signal, the paths at HEAD that show it (an empty list: looked, not found)."""
    return {key: sorted(x for x in paths if pat.search(x))[:5]
            for key, (_, pat) in SIGNALS.items()}

# files whose text is read (small, at the repository root or one folder down)
DEPENDENCY_FILES = re.compile(
    r"^([^/]+/)?(requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.py|setup\.cfg|"
    r"(environment|conda)[^/]*\.ya?ml|Pipfile|\.gitattributes|package\.json)$")
MAX_DEPENDENCY_BYTES = 200_000
ML_FRAMEWORKS = re.compile(
    r"^\s*[\"']?(torch|pytorch|tensorflow(-gpu|-cpu)?|tf-nightly|jax|flax|keras|scikit-learn|"
    r"sklearn|xgboost|lightgbm|catboost|transformers|pytorch-lightning|lightning|mxnet|"
    r"onnx(runtime)?|paddlepaddle|fastai|diffusers|datasets)\b",
    re.MULTILINE | re.IGNORECASE)
# a requirement named anywhere in a line of a dependency list (setup.py lists them inline)
ML_REQUIREMENT = re.compile(
    r"(?:^|[\s\"'\[,])(torch|pytorch|tensorflow(?:-gpu|-cpu)?|tf-nightly|jax|flax|keras|"
    r"scikit-learn|sklearn|xgboost|lightgbm|catboost|transformers|pytorch-lightning|lightning|"
    r"mxnet|onnxruntime|paddlepaddle|fastai|diffusers)(?=\s*(?:[<>=!~;\[\"',]|$))",
    re.MULTILINE | re.IGNORECASE)
# a module-level import of an ML framework in the project's own code (not tests or examples)
ML_IMPORT = re.compile(r"^(?:import|from)\s+(torch|tensorflow|jax|flax|keras|sklearn|xgboost|"
                       r"lightgbm|catboost|transformers|lightning|pytorch_lightning|mxnet|"
                       r"onnxruntime|paddle|fastai|diffusers)\b", re.MULTILINE)
# extras, requirement files and folders for developing the project, not for running it
DEV_EXTRA = re.compile(r"^(test|tests|testing|dev|develop|docs?|doc|lint|quality|style|typing|"
                       r"types|mypy|ci|bench|benchmarks?|check|format|examples?|tutorials?)"
                       r"(?:[-_].*)?$", re.IGNORECASE)
DEV_REQUIREMENTS = re.compile(
    r"(^|/)(docs?|tests?|ci|examples?|benchmarks?|tutorials?|\.github)/|"
    r"(^|/)requirements[-_.]?(dev|test|tests|testing|docs?|lint|ci|bench|benchmarks?|examples?|"
    r"typing|style|quality)[^/]*$", re.IGNORECASE)
# folders of development tooling: pinned requirements there lock a tool, not the environment
DEV_DIRS = re.compile(r"(^|/)(docs?|tests?|ci|examples?|benchmarks?|tutorials?|\.github)/",
                      re.IGNORECASE)
# a requirement line that installs a local source tree (``-e .``, ``.[extra]``, ``./pkg``)
LOCAL_INSTALL = re.compile(r"^(-e|--editable)\s+|^\.{1,2}(/\S*)?(\[[^\]]*\])?$")
NOTEBOOK = re.compile(r"\.ipynb$", re.IGNORECASE)
# a linter's or type checker's section of setup.cfg (``[flake8]``, ``[mypy]``, ``[isort]`` …)
SETUP_CFG_LINT = re.compile(r"^\[(flake8|pycodestyle|pylint[^\]]*|mypy|isort)\]", re.MULTILINE)


def runtime_requirements(path: str, text: str) -> str:
    """The part of a dependency file that the project needs to run: ``[project]`` and Poetry
    dependencies and non-development extras of ``pyproject.toml``, ``install_requires`` and
    non-development ``extras_require`` of ``setup.py``/``setup.cfg``, ``dependencies`` of
    ``package.json``, whole runtime requirement and environment files; '' for files that only
    set up development (``requirements-dev.txt``, ``docs/requirements.txt``, …)."""
    name = path.rsplit("/", 1)[-1]
    if DEV_REQUIREMENTS.search(path):
        return ""
    if name == "pyproject.toml":
        return _pyproject_runtime(text)
    if name == "setup.py":
        return _setup_py_runtime(text)
    if name == "setup.cfg":
        return _setup_cfg_runtime(text)
    if name == "package.json":
        import json
        try:
            data = json.loads(text)
        except ValueError:
            return ""
        deps = data.get("dependencies") if isinstance(data, dict) else None
        return "\n".join(deps) if isinstance(deps, dict) else ""
    if name.startswith(("requirements", "environment", "conda")) or name == "Pipfile":
        return _COMMENT.sub(r"\1", text)  # a package named in a comment is not required
    return ""


_COMMENT = re.compile(r"(^|\s)#.*$", re.MULTILINE)  # not ``pkg.zip#egg=name`` (no space before)


def _pyproject_runtime(text: str) -> str:
    import tomllib
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return ""
    project = data.get("project") or {}
    out = [str(x) for x in project.get("dependencies") or []]
    for extra, reqs in (project.get("optional-dependencies") or {}).items():
        if not DEV_EXTRA.match(extra):
            out += [str(x) for x in reqs]
    poetry = (data.get("tool") or {}).get("poetry") or {}
    out += [str(k) for k in (poetry.get("dependencies") or {})]
    return "\n".join(out)


_EXTRA_ENTRY = re.compile(
    r"""(?:extras\w*\s*\[\s*["'](?P<a>[\w.-]+)["']\s*\]\s*=|["'](?P<b>[\w.-]+)["']\s*:)\s*"""
    r"""(?P<body>\[[^\]]*\])""", re.DOTALL)


_REQUIREMENT_LIST = re.compile(
    r"\b(\w*(?:requires|requirements|deps|dependencies|pkgs)\w*)\s*=\s*(\[[^\]]*\])",
    re.IGNORECASE)


def _setup_py_runtime(text: str) -> str:
    """setup.py cannot be run here: the lists given to ``install_requires`` (or to a variable
    named like one) and to extras that are not for development — not keywords or text."""
    lists = [m.group(2) for m in _REQUIREMENT_LIST.finditer(text)
             if not re.match(r"(tests?|setup)_requires?$", m.group(1), re.IGNORECASE)]
    lists += [m.group("body") for m in _EXTRA_ENTRY.finditer(text)
              if not DEV_EXTRA.match(m.group("a") or m.group("b"))]
    return "\n".join(lists)


def _setup_cfg_runtime(text: str) -> str:
    out, section, keep = [], "", False
    for line in text.splitlines():
        head = re.match(r"^\[(.+)\]\s*$", line)
        if head:
            section, keep = head.group(1).strip(), False
            continue
        key = re.match(r"^([\w.-]+)\s*=", line)
        if key:
            k = key.group(1)
            keep = k == "install_requires" if section == "options" else \
                section == "options.extras_require" and not DEV_EXTRA.match(k)
        if keep:
            out.append(line)
    return "\n".join(out)


_ENV_DEP = re.compile(r"^\s*-\s+([A-Za-z0-9_.\-\[\]]+)\s*(.*)$")


def environment_pinned(text: str) -> bool:
    """A conda environment file whose every package (and pip requirement) has an exact
    version: ``name=1.2.3`` or ``name==1.2.3``."""
    deps, in_deps = [], False
    for line in text.splitlines():
        if re.match(r"^dependencies\s*:", line):
            in_deps = True
            continue
        if in_deps and re.match(r"^\S", line):
            in_deps = False
        m = _ENV_DEP.match(line) if in_deps else None
        if m and not m.group(1).rstrip(":").lower() == "pip":
            deps.append(m.group(1) + m.group(2))
    return bool(deps) and all(re.search(r"[^=<>!~]==?\d[\w.]*(?:=\S+)?\s*(#.*)?$", d)
                              for d in deps)

# a test change and a code change, for "PRs that change code also change tests" (a test
# runner's configuration proves the practice, but changing it adds no test)
TEST_PATH = _p(*_TEST_FILES)
CODE_EXT = re.compile(
    r"\.(py|pyx|pxd|c|cc|cpp|cxx|h|hh|hpp|cu|cuh|rs|go|js|mjs|cjs|ts|tsx|jsx|java|kt|kts|"
    r"scala|rb|swift|m|mm|cs|php|ex|exs|erl|hs|ml|clj|lua|r|jl|zig|dart|vue|svelte)$",
    re.IGNORECASE)
NOT_CODE_DIRS = re.compile(r"(^|/)(docs?|documentation|examples?|benchmarks?|third_party|"
                           r"vendor|node_modules)/", re.IGNORECASE)


def is_test_path(path: str) -> bool:
    return bool(TEST_PATH.fullmatch(path))


def is_code_path(path: str) -> bool:
    """Source code that is not a test, documentation, an example or vendored."""
    return bool(CODE_EXT.search(path)) and not is_test_path(path) and \
        not NOT_CODE_DIRS.search(path)


def matching(practice: Practice, path: str) -> bool:
    return bool(practice.paths.fullmatch(path))
