"""Load benchmark: N requests at concurrency C against a real server on loopback.

usage: python tests/bench/loadtest.py [--requests 4000] [--concurrency 32] [--workers 2]
Prints requests/s, p50, p99, errors, and the server's RSS before and after. A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import os
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
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
        started = time.perf_counter()
        lat, errors = asyncio.run(run(url, args.requests, args.concurrency))
        elapsed = time.perf_counter() - started
        after = rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print(f"requests {args.requests} concurrency {args.concurrency} server workers {args.workers}")
    print(f"requests/s {args.requests / elapsed:.0f}   p50 {pct(0.5):.1f} ms   p99 {pct(0.99):.1f} ms   errors {errors}")
    print(f"server RSS before {before / 1024:.0f} MiB, after {after / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
