"""`adrisk serve --workers N`: N server processes, each listening on a socket of its own (SO_REUSEPORT), so
the kernel spreads new connections over them.

uvicorn's own supervisor hands every worker one shared socket, and whichever worker woke first took most of a
client's keep-alive connections: 11-15 of 16 in a load test, one worker saturated while the other idled, and
p99 latency tripled. Here the parent binds the port (so a port in use fails at once), never listens on it, and
starts the workers; each binds the same address with SO_REUSEPORT and listens. SIGINT and SIGTERM stop them,
SIGHUP is passed on (each worker swaps its model in place, see api.reload), and a worker that dies is replaced.
The workers keep their metrics in one folder of files (api.metrics), so /metrics counts every process's requests.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

from .metrics import MULTIPROCESS_DIR

log = logging.getLogger("uvicorn.error")
STARTUP_FAILURE = 3  # uvicorn's exit code when the app's startup fails
SERVE_WORKERS = "ADRISK_SERVE_WORKERS"  # how many workers serve started: /admin/reload says it reached one


def supported() -> bool:
    """Whether the kernel spreads connections over sockets that share a port: Linux's SO_REUSEPORT does; on
    macOS and the BSDs the option exists but one socket gets them all, so there uvicorn's supervisor serves."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int, share: bool = True) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEADDR and, if share, SO_REUSEPORT; not yet listening."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _claim(host: str, port: int) -> socket.socket:
    """The parent's hold on the port. A plain bind first, so that another server already on it (even one of
    ours, whose sockets allow sharing) is an error here rather than a silent share of its traffic."""
    with reuse_port_socket(host, port, share=False) as probe:
        port = probe.getsockname()[1]
    return reuse_port_socket(host, port)


def _worker(config: dict, host: str, port: int, parent: int) -> None:
    import uvicorn

    def orphaned() -> None:  # the parent was killed outright: stop as on SIGTERM
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, daemon=True).start()
    sock = reuse_port_socket(host, port)
    uvicorn.Server(uvicorn.Config(**config, host=host, port=port)).run(sockets=[sock])


def serve(config: dict, host: str, port: int, workers: int) -> None:
    """Run `workers` processes of uvicorn.Config(**config) on host:port until SIGINT or SIGTERM."""
    held = _claim(host, port)
    port = held.getsockname()[1]
    os.environ[SERVE_WORKERS] = str(workers)
    own_metrics = not os.environ.get(MULTIPROCESS_DIR)
    if own_metrics:  # read by prometheus_client when a spawned worker imports it
        os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="adrisk-metrics-")
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    procs: list = []

    def start():
        p = context.Process(target=_worker, args=(config, host, port, os.getpid()), daemon=False)
        p.start()
        return p

    def on_stop(signum, frame):
        stopping.set()

    def on_hup(signum, frame):
        for p in procs:
            if p.is_alive():
                os.kill(p.pid, signal.SIGHUP)

    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    log.info("Uvicorn running on http://%s:%d with %d workers, each on its own socket (Press CTRL+C to quit)",
             f"[{host}]" if ":" in host else host, port, workers)
    procs.extend(start() for _ in range(workers))
    try:
        while not stopping.wait(0.5):
            for k, p in enumerate(procs):
                if p.is_alive() or stopping.is_set():
                    continue
                if p.exitcode == STARTUP_FAILURE:  # the app would not start (uvicorn's code): another would not either
                    log.error("worker %d could not start; stopping", p.pid)
                    raise SystemExit(STARTUP_FAILURE)
                log.warning("worker %d exited with %s; starting another", p.pid, p.exitcode)
                procs[k] = start()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(30)
        held.close()
        if own_metrics:
            shutil.rmtree(os.environ.pop(MULTIPROCESS_DIR), ignore_errors=True)
