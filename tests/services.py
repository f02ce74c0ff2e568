"""Real components for the tests: a PostgreSQL cluster and an adrisk server, each started and stopped here."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
INSTALL_HINT = "`make test` installs it with apt-get"


def wait_for(check, timeout: float = 90.0) -> bool:
    """Poll check() until it is true (True) or timeout seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL cluster (Debian's postgresql package) in a temporary folder, on a free port.

    initdb and postgres refuse to run as root, so as root they run as the package's `postgres` user (or
    `nobody`)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise FileNotFoundError(f"PostgreSQL server not installed (Debian package postgresql; {INSTALL_HINT})")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="adrisk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if self.user is None:
                raise FileNotFoundError("running as root and there is no postgres or nobody user to run PostgreSQL")
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args, check=True, timeout=120):
        kwargs = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.root), "LC_ALL": "C.UTF-8"}
        return subprocess.run([str(a) for a in args], cwd=self.root, env=env, capture_output=True, text=True,
                              check=check, timeout=timeout, **kwargs)

    def start(self) -> "Postgres":
        self._run(self.bin / "initdb", "-D", self.data, "-U", "adrisk", "--auth=trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        done = self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-t", "60",
                         "-o", options, "start", check=False)
        if done.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()} {log[-2000:]}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://adrisk@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=adrisk dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=adrisk dbname=postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """`adrisk serve` in a subprocess on a free port; stop() ends it (kill() with SIGKILL)."""

    def __init__(self, workdir: Path, *args: str, **env: str):
        self.workdir = Path(workdir)
        self.args = [str(a) for a in args]
        if "--workers" not in self.args:  # one process unless a test asks for more (serve's default: one a core)
            self.args += ["--workers", "1"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "ADRISK_DATA_DIR": str(self.workdir / "data"), **env}
        self.log_path = self.workdir / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> "Server":
        adrisk = Path(sys.executable).parent / "adrisk"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([str(adrisk), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                         *self.args],
                                        cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not come up in {timeout} s: {self.tail()}")

    def output(self) -> str:
        """Everything the server has logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self) -> str:
        return self.output()[-3000:]

    def signal(self, sig) -> None:
        self.process.send_signal(sig)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
