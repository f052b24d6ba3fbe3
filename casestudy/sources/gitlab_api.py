"""The GitLab transport: every request goes through python-gitlab (its auth header, URL
building and error classes), with python-gitlab's own silent retries switched off so that each
retry and wait is ours: bounded, counted and reported (``Progress``), like the GitHub source.

GitLab's rate-limit headers (``RateLimit-Remaining``, ``RateLimit-Reset``) and ``Retry-After``
on a 429 are obeyed; the lowest remaining budget seen is kept for the sync's summary. A list is
walked by the ``Link: rel="next"`` header (offset or keyset pagination alike); a next link
that leaves the configured base URL is refused, so the token never goes to another host. The
token is handed to python-gitlab only; it is never logged, stored or put in a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote, urlparse

import gitlab
import requests

from .github import GitHubError, Progress, RateLimited

DEFAULT_GITLAB = "https://gitlab.com"
TRANSIENT = frozenset({500, 502, 503, 504})
NOT_FOUND = ("not found (404): the project does not exist or this token cannot see it "
             "(private projects need a token with access)")


class GitLabError(GitHubError):
    """A GitLab problem described for a person (never containing the token). A subclass of the
    GitHub source's error so every front end that reports source errors reports it too."""


class GitLabRateLimited(RateLimited, GitLabError):
    """GitLab asked for a wait longer than the sync may wait."""


def project_id(path: str) -> str:
    """A project's full path as GitLab's URL-encoded ``:id``."""
    return quote(path, safe="")


def api_root(base_url: str) -> str:
    """``https://host[/prefix]`` without a trailing ``/api/v4`` (either form may be given)."""
    url = (base_url or DEFAULT_GITLAB).strip().rstrip("/")
    return url[: -len("/api/v4")] if url.endswith("/api/v4") else url


class Transport:
    """One GitLab instance, one token: ``get`` and ``pages`` with bounded retries."""

    def __init__(self, token: str | None, base_url: str = DEFAULT_GITLAB, timeout: float = 15,
                 max_wait: float = 900, max_retries: int = 4,
                 progress: Callable[[Progress], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        if not token:
            raise GitLabError("no GitLab token: set GITLAB_TOKEN (or enter one in the app); a "
                              "token with read_api access to the project is needed")
        self.root = api_root(base_url)
        self.api = self.root + "/api/v4"
        self.host = urlparse(self.root).netloc
        session = requests.Session()
        session.hooks["response"].append(self._seen)
        # python-gitlab's own retries sleep silently (up to 10 times): off, we own them
        self.gl = gitlab.Gitlab(self.root, private_token=token, timeout=timeout,
                                session=session, retry_transient_errors=False)
        self.max_wait = max_wait
        self.max_retries = max_retries
        self.progress_cb = progress
        self.sleep = sleep
        self.requests = 0
        self.waited = 0.0  # seconds spent waiting for rate limits and retries
        self.rate_remaining: int | None = None  # the lowest RateLimit-Remaining seen
        self.rate_limit: int | None = None
        self.warnings: list[str] = []
        self._last: requests.Response | None = None
        self._reset_at = 0.0  # when a spent rate-limit budget comes back (0 = not spent)
        self.state = Progress(repo="", stage="")
        self.beat: Callable[[], None] | None = None  # renews the running sync's lease
        self._beat_at = 0.0

    # -- what every response says -------------------------------------------------------------
    def _seen(self, response: requests.Response, *args, **kwargs) -> None:
        self._last = response
        h = response.headers
        try:
            if "RateLimit-Remaining" in h:
                left = int(h["RateLimit-Remaining"])
                self.rate_remaining = left if self.rate_remaining is None else min(
                    self.rate_remaining, left)
                if left == 0 and "RateLimit-Reset" in h:  # the budget is spent: wait first
                    self._reset_at = float(h["RateLimit-Reset"])
            if "RateLimit-Limit" in h:
                self.rate_limit = int(h["RateLimit-Limit"])
        except ValueError:
            pass

    def report(self, **kw) -> None:
        for k, v in kw.items():
            setattr(self.state, k, v)
        self.state.requests = self.requests
        if self.progress_cb:
            self.progress_cb(Progress(**vars(self.state)))
        if self.beat and time.monotonic() - self._beat_at > 30:  # waits renew it too
            self._beat_at = time.monotonic()
            self.beat()

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            reset = time.time() + seconds
            when = datetime.fromtimestamp(reset, tz=UTC).strftime("%H:%M UTC")
            raise GitLabRateLimited(
                f"{why}: GitLab asks to wait {seconds / 60:.0f} min (until {when}), longer "
                f"than the allowed {self.max_wait / 60:.0f} min. Run the sync again later: it "
                "resumes where it stopped.", reset)
        self.waited += seconds
        stage, left = self.state.stage, seconds
        while left > 0:  # counted in the steps slept, so an injected sleep is the clock
            self.report(stage="waiting", wait_left=left, message=why)
            step = min(1.0, left)
            self.sleep(step)
            left -= step
        self.report(stage=stage, wait_left=0.0, message="")

    # -- requests -------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        """The URL to ask: a path under the API, or a next link GitLab sent. A link naming
        another host (an instance whose external URL differs from the one configured) is
        asked of the configured instance, as python-gitlab's ``keep_base_url`` does: the token
        never goes anywhere else. A link outside the API is refused."""
        if not path.startswith(("http://", "https://")):
            return self.api + path
        u, api = urlparse(path), urlparse(self.api)
        if not (u.path == api.path or u.path.startswith(api.path + "/")):
            raise GitLabError(f"GitLab sent a link outside its API ({u.path[:60]!r}); refused")
        if (u.scheme, u.netloc) != (api.scheme, api.netloc):
            if not any("another host" in w for w in self.warnings):
                self.warnings.append(f"GitLab's page links name another host; they were "
                                     f"asked of {self.host} instead")
            return f"{api.scheme}://{api.netloc}{u.path}" + (f"?{u.query}" if u.query else "")
        return path

    def request(self, path: str, params: dict | None = None) -> tuple[requests.Response, object]:
        """GET ``path`` (relative to ``/api/v4`` or a next link on the same API): (response,
        decoded JSON), after bounded retries of rate limits, server errors, time-outs and
        malformed bodies."""
        url = self._url(path)
        attempt = 0
        while True:
            attempt += 1
            if self._reset_at:  # GitLab said no request is left until its reset
                wait, self._reset_at = max(0.0, self._reset_at - time.time() + 1), 0.0
                if wait:
                    self._wait(wait, "GitLab rate limit spent (RateLimit-Remaining: 0)")
            self.requests += 1
            self._last = None
            try:
                resp = self.gl.http_request("get", url, query_data=params or {},
                                            obey_rate_limit=False, retry_transient_errors=False,
                                            max_retries=0)
                return resp, resp.json()
            except gitlab.GitlabAuthenticationError:
                raise GitLabError("GitLab rejected the token (401 Unauthorized): it is wrong, "
                                  "expired or revoked") from None
            except gitlab.GitlabHttpError as exc:
                status = exc.response_code or 0
                hdrs = self._last.headers if self._last is not None else {}
                if status == 429:
                    if attempt > self.max_retries + 2:
                        raise GitLabRateLimited("GitLab keeps rate-limiting this sync; try "
                                                "again later (it resumes where it stopped)",
                                                time.time() + 60) from None
                    self._wait(_limit_wait(hdrs, attempt), "GitLab rate limit (429)")
                    continue
                if status == 403:
                    raise GitLabError(f"access denied (403): {_message(exc)}") from None
                if status == 404:
                    raise GitLabError(NOT_FOUND) from None
                if status in TRANSIENT and attempt <= self.max_retries:
                    self._wait(min(2.0 ** attempt, 30.0), f"GitLab error {status}, retrying")
                    continue
                raise GitLabError(f"GitLab answered {status}: {_message(exc)}") from None
            except (requests.Timeout, requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError, ValueError) as exc:
                if attempt > self.max_retries:
                    what = "malformed response" if isinstance(exc, ValueError) and not \
                        isinstance(exc, requests.RequestException) else "network problem"
                    raise GitLabError(f"{what} talking to {self.host} after {attempt} "
                                      "attempts; check the URL and network, then sync again "
                                      "(it resumes)") from None
                self._wait(min(2.0 ** attempt, 30.0), "network problem, retrying")

    def text(self, path: str, params: dict | None = None, limit: int = 0) -> str | None:
        """A raw file's text (None when it is not text or longer than ``limit`` bytes), with
        the same retries as ``request``."""
        url = self._url(path)
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                resp = self.gl.http_request("get", url, query_data=params or {},
                                            obey_rate_limit=False, retry_transient_errors=False,
                                            max_retries=0)
                data = resp.content
                if limit and len(data) > limit:
                    return None
                try:
                    return data.decode("utf-8")
                except UnicodeDecodeError:
                    return None
            except gitlab.GitlabHttpError as exc:
                status = exc.response_code or 0
                if status == 404:
                    return None
                hdrs = self._last.headers if self._last is not None else {}
                if (status == 429 or status in TRANSIENT) and attempt <= self.max_retries:
                    self._wait(_limit_wait(hdrs, attempt) if status == 429 else
                               min(2.0 ** attempt, 30.0), f"GitLab error {status}, retrying")
                    continue
                raise GitLabError(f"GitLab answered {status}: {_message(exc)}") from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt > self.max_retries:
                    raise GitLabError(f"network problem talking to {self.host} after "
                                      f"{attempt} attempts") from exc
                self._wait(min(2.0 ** attempt, 30.0), "network problem, retrying")

    def get(self, path: str, params: dict | None = None) -> dict:
        _, data = self.request(path, params)
        if not isinstance(data, dict):
            raise GitLabError(f"GitLab answered {path} with something other than an object")
        return data

    def page(self, path: str, params: dict | None = None) -> tuple[list[dict], str | None]:
        """One page of a list and the link to the next (None on the last)."""
        resp, data = self.request(path, params)
        if not isinstance(data, list):
            raise GitLabError(f"GitLab answered {path.split('?')[0]} with something other "
                              "than a list")
        nxt = (resp.links.get("next") or {}).get("url")
        return [x for x in data if isinstance(x, dict)], nxt

    def pages(self, path: str, params: dict | None = None) -> Iterator[list[dict]]:
        """Every page of a list, following the next links."""
        items, nxt = self.page(path, params)
        yield items
        while nxt:
            items, nxt = self.page(nxt)
            yield items


def _limit_wait(headers, attempt: int) -> float:
    """How long a 429 asks to wait: ``Retry-After``, else until ``RateLimit-Reset``."""
    try:
        if "Retry-After" in headers:
            return max(0.0, float(headers["Retry-After"]))
        if "RateLimit-Reset" in headers:
            return max(1.0, float(headers["RateLimit-Reset"]) - time.time() + 1)
    except ValueError:
        pass
    return min(60.0 * attempt, 300.0)


def _message(exc: gitlab.GitlabError) -> str:
    msg = exc.error_message
    if isinstance(msg, dict | list):
        msg = json.dumps(msg)
    text = str(msg or "").strip()
    return text[:200] if text and not text.startswith("<") else "server error"
