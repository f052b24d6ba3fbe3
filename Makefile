# casestudy: `make run` starts the app on the synthetic demo data, `make test` runs the whole suite.
# Both install whatever is missing (Debian packages, a virtualenv with the pinned requirements)
# and are fast when nothing is.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
APT_RUNTIME := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-cjk fonts-noto-color-emoji git
APT_TEST := poppler-utils chromium postgresql caddy

.PHONY: run test test-compose deps test-deps demo bench bench-load bench-engine validate lint clean

deps: $(VENV)/.stamp-deps
	@scripts/ensure-apt.sh $(APT_RUNTIME)

$(VENV)/.stamp-deps: requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

test-deps: deps
	@scripts/ensure-apt.sh $(APT_TEST)

demo: deps
	$(BIN)/python -m casestudy demo --if-missing
	$(BIN)/python -m casestudy warm

run: demo
	$(BIN)/python -m casestudy.app.serve --server.port $(PORT) --server.headless true

test: test-deps
	$(BIN)/ruff check casestudy app_pages tests bench app.py
	$(BIN)/python -m pytest -q

# compose.yaml's services run as host processes (tests/compose_hosts.py): PostgreSQL, the app
# processes, Caddy with the Caddyfile, workers scaled to 3; part of `make test` too.
test-compose: test-deps
	$(BIN)/python -m pytest -q -s tests/test_compose_hosts.py

lint: deps
	$(BIN)/ruff check casestudy app_pages tests bench app.py

bench: deps
	$(BIN)/python bench/core.py --big
	$(BIN)/python bench/report.py
	$(BIN)/python bench/app_pages.py
	$(BIN)/python bench/app_first_page.py
	$(BIN)/python bench/ci.py
	$(BIN)/python bench/rhythm.py
	$(BIN)/python bench/classifiers.py

# The load test (BENCHMARKS.md, "Load"): 20 sessions against 1 and then 2 app processes on
# 127.0.0.1, 60 s phases without and with one exporter, then four exporters; pages and PDFs
# timed; about 20 minutes. Not part of `make test` or `make bench`.
LOAD_PROCESSES ?= 2
bench-load: deps
	$(BIN)/python bench/load.py --processes 1 --phases 0,1,0,1
	$(BIN)/python bench/load.py --processes $(LOAD_PROCESSES) --phases 0,1,0,1
	$(BIN)/python bench/load.py --processes 1 --browsers 16 --phases 4
	$(BIN)/python bench/load.py --processes $(LOAD_PROCESSES) --browsers 16 --phases 4

# The task engine (BENCHMARKS.md, "Sync workers", "Organisation load"): sync wall time with 1-4
# worker processes against the fake GitHub, then 5M synthetic PRs loaded from PostgreSQL into
# arrays; about 10 minutes. Not part of `make test` or `make bench`.
bench-engine: test-deps
	$(BIN)/python bench/engine.py --repos 60 --workers 1,2,3,4
	$(BIN)/python bench/bulk_load.py --prs 5000000 --repos 1000

# Real-data checks (each skipped when its data is absent): ../shared/data (for psf/requests,
# point CASESTUDY_REQUESTS_GIT at a clone that has commit 1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e),
# then sync-git + report over real clones: $$CASESTUDY_CLONES ("owner/name=PATH ...") or the
# snapshots in /work/.mirror; then the git source's releases, landings per branch, deploy medians
# (backports) and two-parent attribution against scripts/git_truth.py (plain git) on five repos;
# AI-assisted commits against scripts/ai_truth.py (git log --grep/--author) on four repos;
# teams by monorepo paths on Homebrew/brew against git log --first-parent -- PATH.
validate: deps
	$(BIN)/python bench/classifiers.py --ml
	$(BIN)/python -m pytest -v -k "homebrew or psf_requests" tests/test_files.py tests/test_git.py
	$(BIN)/python -m pytest -v -m real tests/test_real_clones.py
	$(BIN)/python -m pytest -v -rP -m real tests/test_real_claims.py
	$(BIN)/python -m pytest -v -s -m real tests/test_real_git_truth.py
	$(BIN)/python -m pytest -v -s -m real tests/test_real_ai_truth.py
	$(BIN)/python -m pytest -v -s -m real tests/test_real_teams.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
