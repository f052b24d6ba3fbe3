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
             _p(r"(^|.*/)(poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|conda-lock\.ya?ml|"
                r"package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|"
                r"Gemfile\.lock|composer\.lock|requirements[^/]*\.lock|"
                r"environment[^/]*\.ya?ml|flake\.lock)$"),
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
             _p(r"(^|.*/)[^/]+\.dvc$", r"(^|.*/)dvc\.(yaml|lock)$", r"\.dvc/config$"),
             "Each result can be traced to the data and model files that made it.",
             content=re.compile(r"filter=lfs")),
    Practice("experiment_tracking", "Experiment tracking or model registry", APPLIES_ML,
             _p(r"(^|.*/)MLproject$", r"(^|.*/)mlruns/.+", r"(^|.*/)wandb/settings$",
                r"(^|.*/)\.neptune/.+", r"(^|.*/)clearml\.conf$"),
             "Runs, parameters and metrics are recorded and comparable.",
             content=re.compile(r"^\s*[\"']?(mlflow|wandb|comet[_-]ml|neptune(-client)?|clearml|"
                                r"aim|dvclive|sacred|tensorboard)\b", re.MULTILINE | re.I)),
    Practice("cards", "Model or data cards", APPLIES_ML,
             _p(r"(^|.*/)(model[_-]?card|data[_-]?card|datasheet)[^/]*\.(md|rst|txt|ya?ml)$",
                r"(^|.*/)MODEL_CARD[^/]*$", r"(^|.*/)DATA_CARD[^/]*$"),
             "What a model or dataset is for, how it was made and where it fails is written "
             "down."),
)
BY_KEY = {p.key: p for p in PRACTICES}

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
    r"environment[^/]*\.ya?ml|Pipfile|\.gitattributes|package\.json)$")
MAX_DEPENDENCY_BYTES = 200_000
ML_FRAMEWORKS = re.compile(
    r"^\s*[\"']?(torch|pytorch|tensorflow(-gpu|-cpu)?|tf-nightly|jax|flax|keras|scikit-learn|"
    r"sklearn|xgboost|lightgbm|catboost|transformers|pytorch-lightning|lightning|mxnet|"
    r"onnx(runtime)?|paddlepaddle|fastai|diffusers|datasets)\b",
    re.MULTILINE | re.IGNORECASE)
NOTEBOOK = re.compile(r"\.ipynb$", re.IGNORECASE)

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
