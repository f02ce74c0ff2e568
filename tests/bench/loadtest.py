"""Load benchmark: N requests at concurrency C against a real server on loopback.

usage: python tests/bench/loadtest.py [--requests 4000] [--concurrency 32] [--workers 2] [--client wrk|python]
Prints requests/s, p50, p99, errors, and the server's RSS before and after. A benchmark, not a test.
The load comes from wrk when it is installed (Debian package `wrk`): a Python client on the same two cores
is slower than the server and would measure itself.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TEXTS = [
    "Нужен курьер, оплата 15 000 ₸ в день, пиши в лс",
    "Требуется бухгалтер в ТОО «Арай», пятидневка, оклад 300 000 ₸",
    "Кто свободен завтра? Нужно разгрузить газель на Абая, 2 часа, 5000 ₸",
    "Ρабοта в шοпе, 1200$ в неделю, опыт не нужен",
    "привет всем, кто идёт на пару в 9?",
    "Hiring warehouse associates in Almaty, 5/2 schedule, official contract",
]


def rss_kb(pid: int) -> int:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def run(url: str, n: int, c: int) -> tuple[list[float], int]:
    latencies, errors = [], 0
    queue = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        async def worker():
            nonlocal errors
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                try:
                    r = await client.post("/score", json={"text": TEXTS[i % len(TEXTS)] + f" #{i}"})
                    if r.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)
        await asyncio.gather(*(worker() for _ in range(c)))
    return latencies, errors


def run_wrk(url: str, n: int, c: int, tmp: Path) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p99 ms, errors, requests) from wrk, for about n requests at c in flight."""
    texts = ", ".join(json.dumps(t, ensure_ascii=False) for t in TEXTS)
    script = tmp / "post.lua"
    script.write_text(
        f"local texts = {{{texts}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        "  local body = '{\"text\": \"' .. texts[(i % #texts) + 1] .. ' #' .. i .. '\"}'\n"
        "  return wrk.format('POST', '/score', {['Content-Type'] = 'application/json'}, body)\nend\n", encoding="utf-8")
    probe = subprocess.run(["wrk", "-t2", f"-c{c}", "-d2s", "-s", str(script), url], capture_output=True, text=True)
    per_s = float(re.search(r"Requests/sec:\s+([\d.]+)", probe.stdout).group(1))
    seconds = max(2, round(n / max(per_s, 1)))
    out = subprocess.run(["wrk", "-t2", f"-c{c}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True).stdout

    def ms(label):
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms("50"), ms("99"), errors, total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "adrisk"
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(run(url, 200, 8))  # warm up every worker
        before = rss_kb(server.pid)
        if args.client == "wrk":
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                rps, p50, p99, errors, total = run_wrk(url, args.requests, args.concurrency, Path(tmp))
        else:
            started = time.perf_counter()
            lat, errors = asyncio.run(run(url, args.requests, args.concurrency))
            rps, total = args.requests / (time.perf_counter() - started), args.requests
            lat.sort()
            p50, p99 = (lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 for q in (0.5, 0.99))
        after = rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    print(f"client {args.client}, {total} requests, concurrency {args.concurrency}, server workers {args.workers}")
    print(f"requests/s {rps:.0f}   p50 {p50:.1f} ms   p99 {p99:.1f} ms   errors {errors}")
    print(f"server RSS before {before / 1024:.0f} MiB, after {after / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
