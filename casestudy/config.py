"""Where things live and what a hosted instance allows: the default store (SQLite path or
PostgreSQL URL), private cache folders, and the hosted-mode settings (``CASESTUDY_HOSTED=1``):
which GitHub API URLs a server-held token may go to, which folder local clones may be read from,
and how large an upload may be."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

import platformdirs

APP_NAME = "casestudy"
DEFAULT_API = "https://api.github.com"
DEFAULT_GITLAB_URL = "https://gitlab.com"


class SettingError(ValueError):
    """A request a hosted instance refuses, described for the person who made it."""


def default_db_location() -> str:
    """``$CASESTUDY_DB`` if set (a file path or a ``postgresql://`` URL), else
    ``casestudy.sqlite`` in the user's cache directory."""
    env = os.environ.get("CASESTUDY_DB")
    if env:
        return env if env.startswith(("postgresql://", "postgres://")) else \
            str(Path(env).expanduser())
    return str(Path(platformdirs.user_cache_dir(APP_NAME)) / "casestudy.sqlite")


def _private(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 and check that it is ours and private: a
    cache another user can write (numba's index is a pickle) would run their code."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise OSError(f"{path} belongs to another user")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IRWXO):
        path.chmod(0o700)
    return path


def cache_dir(name: str) -> Path:
    """A private (0700) cache folder for ``name``: ``$CASESTUDY_CACHE`` or the user's cache dir,
    else a per-user folder in the temp dir (never a shared, world-writable one)."""
    base = Path(os.environ.get("CASESTUDY_CACHE") or platformdirs.user_cache_dir(APP_NAME))
    try:
        return _private(base / name)
    except OSError:
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        return _private(Path(tempfile.gettempdir()) / f"{APP_NAME}-{uid}" / name)


def code_fingerprint(paths: Iterable[Path], dists: Iterable[str], seed: str = "") -> str:
    """A cache key's word on the code: ``seed``, the bytes of ``paths`` (in the order given) and
    the installed versions of ``dists`` ("none" when one is missing), hashed."""
    from importlib import metadata

    h = hashlib.sha256(seed.encode())
    for path in paths:
        h.update(path.read_bytes())
    for dist in dists:
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


def write_atomically(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to the cache file ``path`` through a temporary file of this writer's own
    in the same folder, then ``os.replace``: a reader sees the old file, no file or the whole
    new one, never a partial one, however many threads and processes write it at once. A
    read-only or full cache is no reason to fail: returns whether the file was written."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def ensure_numba_cache_dir() -> None:
    """Point numba's ``cache=True`` at a private directory when the package dir is read-only
    or the instance is hosted (then always: a package folder may be shared)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    pkg_dir = Path(__file__).parent
    if os.access(pkg_dir, os.W_OK) and not hosted():
        return
    os.environ["NUMBA_CACHE_DIR"] = str(cache_dir("numba"))


def hosted() -> bool:
    """Hosted mode: ``CASESTUDY_HOSTED=1`` (the app also reads ``hosted = true`` from Streamlit
    secrets into this variable at start)."""
    return os.environ.get("CASESTUDY_HOSTED", "").strip().lower() in ("1", "true", "yes")


def api_urls() -> list[str]:
    """The GitHub API URLs a server-held token may be sent to (and, when hosted, the only ones
    the server talks to): ``$CASESTUDY_API_URLS`` (comma-separated) or github.com's."""
    env = os.environ.get("CASESTUDY_API_URLS", "")
    urls = [u.strip().rstrip("/") for u in env.split(",") if u.strip()]
    return urls or [DEFAULT_API]


def github_spacing() -> float | None:
    """Seconds between two GitHub requests of one sync (``$CASESTUDY_GITHUB_SPACING``, default
    0.25, PyGithub's own; 0 = none, for a GitHub on this machine)."""
    try:
        value = float(os.environ.get("CASESTUDY_GITHUB_SPACING") or 0.25)
    except ValueError:
        return 0.25
    return max(0.0, value) or None


def gitlab_urls() -> list[str]:
    """The GitLab instances a server-held GitLab token may be sent to (and, when hosted, the
    only GitLab hosts the server talks to): ``$CASESTUDY_GITLAB_URLS`` (comma-separated) or
    gitlab.com."""
    env = os.environ.get("CASESTUDY_GITLAB_URLS", "")
    urls = [u.strip().rstrip("/").removesuffix("/api/v4") for u in env.split(",") if u.strip()]
    return urls or [DEFAULT_GITLAB_URL]


def check_api_url(url: str, server_token: bool, forge: str = "github") -> str:
    """``url`` if this instance may call it: a server-held token only goes to a configured API
    URL of its forge (``github``: ``api_urls()``, ``gitlab``: ``gitlab_urls()``), and a hosted
    instance calls no other host at all (no requests to addresses a visitor types). Raises
    ``SettingError``."""
    allowed = gitlab_urls() if forge == "gitlab" else api_urls()
    default = DEFAULT_GITLAB_URL if forge == "gitlab" else DEFAULT_API
    url = (url or default).strip().rstrip("/")
    if forge == "gitlab":
        url = url.removesuffix("/api/v4")
    if url in allowed:
        return url
    if hosted():
        raise SettingError(f"this instance only talks to {', '.join(allowed)}")
    if server_token:
        raise SettingError(f"the server's token is only sent to {', '.join(allowed)}: "
                           "give your own token for another API URL")
    return url


def git_root() -> Path | None:
    """The folder local clones may be read from when hosted (``$CASESTUDY_GIT_ROOT``); None =
    the local-path git source is off. Unhosted, any path may be read (the user's own machine)."""
    env = os.environ.get("CASESTUDY_GIT_ROOT", "").strip()
    return Path(env).resolve() if env else None


def teams_file() -> Path | None:
    """The operator's team file the app's Organisation page offers (``$CASESTUDY_TEAMS``, a
    TOML file as ``sources/team_list`` reads it); None = none configured."""
    env = os.environ.get("CASESTUDY_TEAMS", "").strip()
    return Path(env).expanduser() if env else None


def check_clone_path(path: str) -> Path:
    """A clone path this instance may read (inside ``git_root()`` when hosted, symlinks
    resolved, and the repository git finds there inside it too). Raises ``SettingError``."""
    p = Path(path).expanduser()
    if not hosted():
        return p
    root = git_root()
    if root is None:
        raise SettingError("reading local clones is off on this hosted instance")
    real = p.resolve()
    if not _inside(real, root):
        raise SettingError(f"only clones inside {root} can be read here")
    _check_git_inside(real, root)
    return real


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _check_git_inside(path: Path, root: Path) -> None:
    """The repository git would read at ``path`` lies inside ``root``: git looks upwards for a
    repository (a plain folder inside the root would read one around it), and a ``.git`` file
    (``gitdir: …``), a worktree's common folder or an object store's ``alternates`` may point
    anywhere. Its work tree, git folder, common folder and alternate object stores are
    compared with the root. A path that is no repository at all passes (the git source says
    so in its own words)."""
    import subprocess

    env = dict(os.environ)  # no ceiling: the check must see what the git source will read
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
                 "GIT_ALTERNATE_OBJECT_DIRECTORIES"):
        env.pop(name, None)
    try:
        r = subprocess.run(["git", "-C", str(path), "rev-parse", "--path-format=absolute",
                            "--absolute-git-dir", "--git-common-dir", "--is-bare-repository",
                            "--show-toplevel"],
                           capture_output=True, text=True, errors="replace", env=env,
                           check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return  # no git: the git source refuses the path itself
    lines = r.stdout.splitlines()
    if len(lines) < 3:  # not a repository (or git refused it): nothing to read outside
        return
    places = [Path(lines[0]), Path(lines[1])]
    if len(lines) > 3 and lines[2] == "false":
        places.append(Path(lines[3]))
    alternates = Path(lines[1]) / "objects" / "info" / "alternates"
    try:
        for line in alternates.read_text(errors="replace").splitlines():
            if line.strip() and not line.startswith("#"):
                places.append(alternates.parent.parent / line.strip())
    except OSError:
        pass
    if not all(_inside(p.resolve(), root) for p in places):
        raise SettingError(f"only repositories inside {root} can be read here: the one at "
                           f"{path} is stored outside it")


def max_upload_bytes() -> int:
    """The largest upload the Data page takes (``$CASESTUDY_MAX_UPLOAD_MB``; 50 MB hosted,
    500 MB otherwise)."""
    mb = os.environ.get("CASESTUDY_MAX_UPLOAD_MB")
    return int(float(mb) * 2**20) if mb else (50 if hosted() else 500) * 2**20


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment, else ``default`` (a bad value is ignored)."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def max_import_rows() -> int:
    """The most rows one imported file may hold (``$CASESTUDY_MAX_IMPORT_ROWS``; 500,000 hosted,
    5,000,000 otherwise), checked before any record is built: a Parquet file's footer says how
    many rows it holds, a CSV is read one row past the cap."""
    return int(_env_number("CASESTUDY_MAX_IMPORT_ROWS", 500_000 if hosted() else 5_000_000))


def max_import_bytes() -> int:
    """The most bytes one imported file may decode to (``$CASESTUDY_MAX_IMPORT_MB``; 256 MB
    hosted, 2 GB otherwise): a small compressed file can expand a thousandfold."""
    return int(_env_number("CASESTUDY_MAX_IMPORT_MB", 256 if hosted() else 2048) * 2**20)


COOKIE_SECRET_MIN = 32  # characters


def cookie_secret() -> str:
    """The secret every app process signs its cookies with (the sign-in cookie, the upload
    check, the sign-in flow's state), so that several processes behind one proxy accept each
    other's: ``$CASESTUDY_COOKIE_SECRET``, else the first line of the file
    ``$CASESTUDY_COOKIE_SECRET_FILE`` (a Docker or Kubernetes secret); '' when neither is set
    (each process then makes up its own). Raises ``SettingError`` for an unreadable file or a
    secret shorter than 32 characters; the error never quotes the secret."""
    secret = os.environ.get("CASESTUDY_COOKIE_SECRET", "").strip()
    path = os.environ.get("CASESTUDY_COOKIE_SECRET_FILE", "").strip()
    if not secret and path:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as exc:
            raise SettingError(f"CASESTUDY_COOKIE_SECRET_FILE cannot be read ({exc.strerror})"
                               ) from None
        secret = lines[0].strip() if lines else ""
        if not secret:
            raise SettingError("CASESTUDY_COOKIE_SECRET_FILE is empty")
    if secret and len(secret) < COOKIE_SECRET_MIN:
        raise SettingError(f"the cookie secret must be at least {COOKIE_SECRET_MIN} characters "
                           "(e.g. `openssl rand -hex 32`)")
    return secret
