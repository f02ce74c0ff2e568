"""`adrisk serve --workers N` on a real server: a listening socket per worker, a port in use refused, a dead
worker replaced, all of them stopped with the main process."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from services import Server, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/net/tcp").exists(),
                                reason="needs Linux (SO_REUSEPORT that spreads connections, /proc/net/tcp); "
                                       "elsewhere serve uses uvicorn's own supervisor")


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port (state 0A in /proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[1] == wanted and r.split()[3] == "0A")


def _workers(server) -> list[int]:
    return [int(p) for p in re.findall(r"Started server process \[(\d+)\]", server.output())]


def test_each_worker_listens_on_a_socket_of_its_own(tmp_path):
    # one shared socket let whichever worker woke first take most keep-alive connections
    with Server(tmp_path, "--workers", "2") as server:
        assert wait_for(lambda: len(_workers(server)) == 2), server.tail()
        assert wait_for(lambda: _listening_sockets(server.port) == 2), server.tail()
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert all(c.get("/health").status_code == 200 for _ in range(20))


def test_a_port_already_in_use_is_refused_with_a_reason(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([str(Path(sys.executable).parent / "adrisk"), "serve", "--host", "127.0.0.1", "--port",
                               str(port), "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in done.stderr, done.stderr[-2000:]


def test_a_worker_that_dies_is_replaced_and_all_stop_with_the_main_process(tmp_path):
    server = Server(tmp_path, "--workers", "2").start()
    try:
        assert wait_for(lambda: len(_workers(server)) == 2), server.tail()
        first = _workers(server)
        os.kill(first[0], signal.SIGKILL)
        assert wait_for(lambda: len(_workers(server)) == 3), server.tail()  # a third "Started server process"
        assert "starting another" in server.output()
        assert wait_for(lambda: _listening_sockets(server.port) == 2), server.tail()
        assert httpx.get(server.url + "/health", timeout=30).status_code == 200
        alive = _workers(server)[1:]
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert wait_for(lambda: not any(_running(pid) for pid in alive), timeout=30), alive


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def _health_count(url: str) -> float:
    """adrisk_requests_total for /health as one scrape, on a connection of its own, reports it."""
    with httpx.Client(base_url=url, timeout=30) as c:
        text = c.get("/metrics").text
    found = re.search(r'^adrisk_requests_total\{path="/health",status="200"\} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_the_requests_of_every_worker(tmp_path):
    with Server(tmp_path, "--workers", "2") as server:
        assert wait_for(lambda: len(_workers(server)) == 2), server.tail()
        assert wait_for(lambda: _listening_sockets(server.port) == 2), server.tail()
        before = _health_count(server.url)
        for _ in range(40):  # a connection each, which the kernel spreads over the two workers
            with httpx.Client(base_url=server.url, timeout=30) as c:
                assert c.get("/health").status_code == 200
        assert [_health_count(server.url) for _ in range(12)] == [before + 40] * 12  # whichever worker answers
        folders = [f for f in Path(tempfile.gettempdir()).glob("adrisk-metrics-*")
                   if any(f.glob(f"*_{_workers(server)[0]}.db"))]
        assert len(folders) == 1
    assert not folders[0].exists()  # removed when the server stops
