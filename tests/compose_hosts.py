"""``compose.yaml`` run service by service as processes on this machine, without a container
runtime (none runs here): what is taken from the file itself is each service's environment
(with ``${VAR}``, ``${VAR:-default}``, ``${VAR:?message}`` and ``<<: *app`` merges resolved),
its command (``command:``, else the image's: the Dockerfile's ENTRYPOINT/CMD and ENV for the
image built from ``.``, Caddy's own ``caddy run --config /etc/caddy/Caddyfile --adapter
caddyfile`` for ``caddy:2``), its secrets, its bind-mounted files, ``depends_on`` with its
conditions, the db's health check and ``worker``'s scale. Each service name becomes 127.0.0.1
with a port of its own: ``db:5432`` in a URL and ``app1:8501`` in the Caddyfile are rewritten
on copies (never in the real files), as are the container paths that env values and command
arguments name (``/config/repos.toml``, ``/run/secrets/…``, the image's ``/var/cache/…``).

``db`` is a real PostgreSQL (``tests/pgserver.py``) with the file's user, database and password
(checked: password authentication over TCP, the way the containers reach it); the app services
and workers run the worktree's ``casestudy`` with this virtualenv's python (``python`` and
``casestudy`` on their PATH are shims for it), each with only the environment the file and the
image give it plus PATH, HOME and LANG (HOME and the cache folders its own; the image's
WORKDIR ``/app``, which holds ``app.py``, ``app_pages`` and ``.streamlit``, is the checkout);
``proxy`` is the real Caddy with
the real Caddyfile (its upstreams and listen port rewritten). The image's ``RUN casestudy
warm`` is done once (or found done in ``image_cache``, kept between runs) and its cache
copied into each container's cache folder.

Not proved here: anything of the container runtime itself — the image build (pip install, the
Debian packages of packages.txt, the ``casestudy`` user), Docker's DNS, networks, the published
port's binding, restart policies, ``stop_grace_period``, read-only mounts, health-check
intervals (readiness is polled every 0.2 s instead; an app counts as ready when it answers
/_stcore/health, as Caddy's check, not the image's HEALTHCHECK, which the test runs once) —
and ``docker compose up`` was not run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CADDY_COMMAND = ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
CADDY_ENV = {"XDG_CONFIG_HOME": "/config", "XDG_DATA_HOME": "/data"}  # the caddy image's

_VAR = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


class ComposeError(RuntimeError):
    """What ``docker compose`` would refuse (a required variable unset) or a service that
    never became ready, with its log's tail."""


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution in one string."""
    def one(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        val = env.get(name)
        unset = val is None or (op is not None and op.startswith(":") and val == "")
        if op and op.endswith("?") and unset:
            raise ComposeError(f"required variable {name} is missing a value: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return val or ""
    return _VAR.sub(one, value)


def resolve(node: object, env: dict[str, str]) -> object:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [resolve(v, env) for v in node]
    if isinstance(node, dict):
        return {k: resolve(v, env) for k, v in node.items()}
    return node


def load(compose: Path, env: dict[str, str]) -> dict:
    """The compose file as ``docker compose config`` would see it (merges, variables)."""
    return resolve(yaml.safe_load(compose.read_text()), env)  # type: ignore[return-value]


@dataclass
class Image:
    """What a Dockerfile gives a container: its ENV, WORKDIR, command and warm-up step."""

    env: dict[str, str]
    workdir: str
    command: list[str]
    warm: list[str]
    health: str = ""  # HEALTHCHECK's CMD (shell form)

    @classmethod
    def read(cls, dockerfile: Path) -> Image:
        text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
        env: dict[str, str] = {}
        workdir, entry, cmd, warm, health = "/", [], [], [], ""
        for line in text.splitlines():
            word, _, rest = line.strip().partition(" ")
            if word == "ENV":
                env.update(dict(kv.split("=", 1) for kv in shlex.split(rest)))
            elif word == "WORKDIR":
                workdir = rest.strip()
            elif word in ("CMD", "ENTRYPOINT"):
                argv = json.loads(rest) if rest.strip().startswith("[") else \
                    ["sh", "-c", rest.strip()]
                entry, cmd = (argv, cmd) if word == "ENTRYPOINT" else (entry, argv)
            elif word == "RUN" and rest.strip().startswith("casestudy warm"):
                warm = shlex.split(rest)
            elif word == "HEALTHCHECK" and " CMD " in f" {rest} ":
                health = rest.split("CMD ", 1)[1].strip()
        return cls(env, workdir, entry + cmd, warm, health)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def container_ports(spec: dict) -> list[int]:
    ports = [int(str(p).split(":")[-1].split("/")[0]) for p in spec.get("ports", [])]
    return ports + [int(p) for p in spec.get("expose", [])]


def depends(spec: dict) -> dict[str, str]:
    dep = spec.get("depends_on") or {}
    if isinstance(dep, list):
        return {d: "service_started" for d in dep}
    return {d: (c or {}).get("condition", "service_started") for d, c in dep.items()}


@dataclass
class ComposeHosts:
    """``up()`` starts every service of ``compose`` in depends_on order, ``down()`` stops them
    all (also on a failed start). ``env``: the variables compose interpolates (the shell or
    .env); ``files``: host files for the file's relative sources (``./repos.toml``,
    ``./cookie_secret.txt``; the Caddyfile defaults to a rewritten copy of the real one);
    ``scale``: instances per service; ``root``: an empty folder for everything written."""

    compose: Path
    env: dict[str, str]
    files: dict[str, Path]
    root: Path
    scale: dict[str, int] = field(default_factory=dict)
    python: str = sys.executable
    image_cache: Path | None = None  # where the image's warm cache is kept between runs
    config: dict = field(init=False)
    ports: dict[str, int] = field(default_factory=dict)  # service -> its host port
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)  # instance -> process
    started: dict[str, float] = field(default_factory=dict)  # service -> when started
    ready_after: dict[str, float] = field(default_factory=dict)  # service -> seconds to ready
    pg: object | None = None
    pg_bindir: Path | None = None
    image: Image | None = None

    def __post_init__(self) -> None:
        self.config = load(self.compose, self.env)
        self.base = self.compose.parent
        self.shims = self.root / "bin"

    # -- names and paths ----------------------------------------------------------------------
    def host(self, text: str) -> str:
        """``service:port`` of the compose network → ``127.0.0.1:hostport``."""
        names = "|".join(map(re.escape, self.config["services"]))
        return re.sub(rf"(?<![\w.-])({names}):(\d+)\b",
                      lambda m: f"127.0.0.1:{self.ports[m.group(1)]}" if m.group(1)
                      in self.ports else m.group(0), text)

    def source(self, rel: str) -> Path:
        return self.files.get(rel) or (self.base / rel).resolve()

    def mounts(self, name: str, spec: dict, home: Path) -> dict[str, str]:
        """Container path → host path: bind mounts, secrets and the image's own folders."""
        out: dict[str, str] = {}
        for v in spec.get("volumes", []):
            if isinstance(v, dict) and v.get("type") == "bind":
                out[v["target"]] = str(self.source(v["source"]))
        for s in spec.get("secrets", []):
            s = s if isinstance(s, str) else s["source"]
            out[f"/run/secrets/{s}"] = str(self.source(self.config["secrets"][s]["file"]))
        for folder in ("/var/cache/casestudy", "/config", "/data"):
            out.setdefault(folder, str(home / folder.strip("/")))
        return out

    @staticmethod
    def remap(text: str, mounts: dict[str, str]) -> str:
        for target in sorted(mounts, key=len, reverse=True):
            text = re.sub(rf"(?<![\w/.-]){re.escape(target)}(?=$|[/\s\"';&])",
                          lambda _m, t=target: mounts[t], text)
        return text

    # -- starting -----------------------------------------------------------------------------
    def up(self, timeout: float = 240) -> None:
        """Start every service in depends_on order (waiting only where a condition is
        ``service_healthy``, as compose does), then wait until each is ready."""
        try:
            self._up(timeout)
        except BaseException:
            self.down()
            raise

    def _up(self, timeout: float) -> None:
        services = self.config["services"]
        self._write_shims()
        started: set[str] = set()
        while len(started) < len(services):
            ready = [n for n, s in services.items() if n not in started
                     and set(depends(s)) <= started]
            if not ready:
                raise ComposeError(f"depends_on has a cycle among {set(services) - started}")
            for name in ready:  # every service whose dependencies are up, started together
                if container_ports(services[name]):
                    self.ports[name] = free_port()
                self._start(name, services[name])
            for name in ready:  # depends_on's condition: healthy (its health check) or started
                if any(depends(s).get(name) == "service_healthy" for s in services.values()):
                    self.wait_ready(name, timeout)
            started.update(ready)
        for name in services:  # as `docker compose up --wait`: every service ready
            self.wait_ready(name, timeout)

    def _write_shims(self) -> None:
        self.shims.mkdir(parents=True, exist_ok=True)
        for name, argv in (("python", [self.python]), ("casestudy", [self.python, "-m",
                                                                     "casestudy"])):
            shim = self.shims / name
            shim.write_text("#!/bin/sh\nexec " + shlex.join(argv) + ' "$@"\n')
            shim.chmod(0o755)

    def _start(self, name: str, spec: dict) -> None:
        self.started[name] = time.monotonic()
        image = spec.get("image", "")
        if image.startswith("postgres:"):
            self._start_db(name, spec)
        elif image.startswith("caddy:"):
            self._start_caddy(name, spec)
        else:
            for i in range(self.scale.get(name, 1)):
                self._start_image(name, spec, f"{name}-{i + 1}" if name in self.scale else name)

    def _start_db(self, name: str, spec: dict) -> None:
        import psycopg
        from psycopg import sql

        from tests.pgserver import PgServer, binaries

        self.pg_bindir = binaries()
        if self.pg_bindir is None:
            raise ComposeError("PostgreSQL server binaries not installed")
        env = spec.get("environment", {})
        user, db = env.get("POSTGRES_USER", "postgres"), env.get("POSTGRES_DB")
        if user != "casestudy":
            raise ComposeError("tests/pgserver.py makes the user casestudy only")
        pg = self.pg = PgServer(self.pg_bindir)
        self.ports[name] = pg.port
        with psycopg.connect(pg.url(), autocommit=True) as conn:  # as the postgres image does
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db or user)))
            conn.execute(sql.SQL("ALTER ROLE casestudy PASSWORD {}").format(
                sql.Literal(env["POSTGRES_PASSWORD"])))
        hba = pg.data / "pg_hba.conf"  # TCP connections must now give the password
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        pg._run("pg_ctl", "-D", str(pg.data), "reload")

    def _start_caddy(self, name: str, spec: dict) -> None:
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        for v in spec.get("volumes", []):
            if v.get("source") == "./Caddyfile" and "./Caddyfile" not in self.files:
                text = self.host(self.source("./Caddyfile").read_text())
                port = container_ports(spec)[0]
                text = re.sub(rf"^:{port}(\s*\{{)", rf":{self.ports[name]}\1", text, flags=re.M)
                copy = home / "Caddyfile"
                copy.write_text(text)
                self.files["./Caddyfile"] = copy
        mounts = self.mounts(name, spec, home)
        env = {**CADDY_ENV, **spec.get("environment", {})}
        argv = spec.get("command") or CADDY_COMMAND
        self._popen(name, [self.remap(a, mounts) for a in argv],
                    {k: self.remap(v, mounts) for k, v in env.items()}, home)

    def _start_image(self, name: str, spec: dict, instance: str) -> None:
        if self.image is None:
            self.image = Image.read(self.base / "Dockerfile")
            self._build()
        home = self.root / instance
        home.mkdir(parents=True, exist_ok=True)
        mounts = self.mounts(name, spec, home)
        shutil.copytree(self.image_cache or self.root / "image-cache",
                        mounts["/var/cache/casestudy"], dirs_exist_ok=True)
        env = {**self.image.env, **{k: str(v) for k, v in spec.get("environment", {}).items()}}
        env = {k: self.remap(self.host(v), mounts) for k, v in env.items()}
        argv = spec.get("command") or self.image.command
        argv = [self.remap(self.host(a), mounts) for a in argv]
        ports = container_ports(spec)
        for port in ports:  # the port the server binds inside its container
            argv = [re.sub(rf"(port[= ]){port}\b", rf"\g<1>{self.ports[name]}", a) for a in argv]
        argv = [a.replace("0.0.0.0", "127.0.0.1") for a in argv]
        self._popen(instance, argv, env, ROOT if self.image.workdir == "/app" else home)

    def _build(self) -> None:
        """The image's ``RUN casestudy warm``: the numba cache compiled once, copied into each
        container (as the image's layer is)."""
        cache = self.image_cache or self.root / "image-cache"
        env = {**self._base_env(self.root), **self.image.env}
        env = {k: v.replace("/var/cache/casestudy", str(cache)) for k, v in env.items()}
        out = subprocess.run(self.image.warm, env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=600)
        if out.returncode:
            raise ComposeError("the image's casestudy warm failed: " + out.stderr[-2000:])

    def exec(self, instance: str, argv: list[str], timeout: float = 120
             ) -> subprocess.CompletedProcess:
        """``docker compose exec``: ``argv`` in a running instance's environment and folder."""
        p = self.procs[instance]
        assert p.poll() is None, f"{instance} is not running"
        env = dict(line.split("=", 1) for line in Path(f"/proc/{p.pid}/environ").read_text()
                   .split("\0") if "=" in line)
        return subprocess.run(argv, env=env, cwd=Path(f"/proc/{p.pid}/cwd").resolve(),
                              capture_output=True, text=True, timeout=timeout,
                              executable=shutil.which(argv[0], path=env["PATH"]))

    def _base_env(self, home: Path) -> dict[str, str]:
        return {"PATH": f"{self.shims}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
                "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}

    def _popen(self, instance: str, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        home = self.root / instance
        home.mkdir(parents=True, exist_ok=True)
        full = {**self._base_env(home), **env}
        with open(home / "log", "wb") as log:
            self.procs[instance] = subprocess.Popen(
                argv, env=full, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, executable=shutil.which(argv[0], path=full["PATH"]))

    # -- readiness ----------------------------------------------------------------------------
    def log(self, instance: str) -> str:
        path = self.root / instance / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_ready(self, name: str, timeout: float) -> None:
        """Until ``name`` answers: the db's own health check, an app's /_stcore/health (the
        Caddyfile's health_uri), the same through the proxy, a worker's process running;
        raises with the log when it never does."""
        spec = self.config["services"][name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready(name, spec):
                self.ready_after.setdefault(name, time.monotonic() - self.started[name])
                return
            dead = [i for i, p in self.procs.items() if (i == name or i.startswith(name + "-"))
                    and p.poll() is not None]
            if dead:
                raise ComposeError(f"{dead[0]} exited: {self.log(dead[0])[-3000:]}")
            time.sleep(0.2)
        raise ComposeError(f"{name} not ready after {timeout} s: {self.log(name)[-3000:]}")

    def _ready(self, name: str, spec: dict) -> bool:
        if spec.get("image", "").startswith("postgres:"):
            test = spec["healthcheck"]["test"]
            assert test[0] == "CMD" and test[1] == "pg_isready"
            argv = [str(self.pg_bindir / "pg_isready"), *test[2:], "-h", "127.0.0.1", "-p",
                    str(self.ports[name])]
            return subprocess.run(argv, capture_output=True).returncode == 0
        if name not in self.ports or not container_ports(spec):
            return any(i == name or i.startswith(name + "-") for i in self.procs)
        try:  # an app's own health, or the proxy's once it has an app it deems healthy
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/_stcore/health",
                                        timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    # -- stopping -----------------------------------------------------------------------------
    def stop(self, instance: str, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Signal the instance's whole process group and wait; SIGKILL what lingers."""
        p = self.procs[instance]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)
        deadline = time.monotonic() + timeout
        while group_alive(p.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)

    def down(self) -> None:
        """Stop in the reverse of the start order (proxy, workers, apps), then the db."""
        for instance in reversed(list(self.procs)):
            self.stop(instance)
        if self.pg is not None:
            with contextlib.suppress(subprocess.CalledProcessError):  # a server already gone
                self.pg.stop()  # type: ignore[attr-defined]

    def __enter__(self) -> ComposeHosts:
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def leftovers(root: Path) -> list[str]:
    """Processes still running whose HOME or command line is under ``root``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"HOME={root}".encode() in b"\0".join(env) or str(root) in cmd:
            found.append(f"{proc.name}: {cmd[:200]}")
    return found

