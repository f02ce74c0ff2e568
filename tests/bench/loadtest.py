"""Load benchmark of the API as `make run` serves it, measured with wrk on loopback. Prints figures, asserts nothing.

usage: python tests/bench/loadtest.py [--seconds 60] [--workers N]
- the server: `adrisk serve` with its defaults (one worker per core), the shipped model;
- the ads: about 1 KB each, made of the project's own written texts;
- POST /score at a fixed rate of 100, 250 and 500 requests/s: wrk (64 connections) sends on a fixed schedule
  paced in its Lua script, as wrk2 would (Debian has no wrk2), so latency is measured below saturation; the
  rate reached is printed beside the target;
- POST /score at saturation (32 connections, no wait): the most it serves, with p50/p99;
- POST /score/batch with 100 ads a request: ads/s.
Each line also gives the server's RSS. Needs Debian's `wrk` (make loadtest installs it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def ads_of_about_1kb(n: int = 200) -> list[str]:
    """Texts of 0.9-1.2 KB: written corpus texts, short ones joined with the next, as a long post would be."""
    from training.corpus import written_examples

    out, current = [], ""
    for text in written_examples()["text"]:
        current = f"{current}\n{text}" if current else text
        if len(current.encode()) >= 900:
            if len(current.encode()) <= 1200:
                out.append(current)
            current = ""
        if len(out) >= n:
            break
    return out


def rss_mb(pid: int) -> float:
    total = 0
    pids = [pid]
    try:
        pids += [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            total += next(int(line.split()[1]) for line in Path(f"/proc/{p}/status").read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


# wrk2-style pacing in wrk's own LuaJIT: each thread hands out send times on a fixed schedule (a clock read
# through the FFI, as wrk scripts have none), so the rate holds whatever the latency; a late request is sent
# at once and the schedule does not slip (Debian ships wrk, not wrk2)
_PACE = """local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } adrisk_timespec;
int clock_gettime(int clk_id, adrisk_timespec *tp);
]]
local ts = ffi.new("adrisk_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local start, sent = nil, 0
delay = function()
  local t = now_ms()
  start = start or t
  local due = start + sent * %.6f
  sent = sent + 1
  return math.max(0, due - t)
end
"""
THREADS = 2


def lua_script(path: Path, route: str, bodies: list[str], rate: float = 0) -> None:
    """A wrk script posting the bodies in turn to route; at `rate` requests/s in all when given, else as fast as
    the connections go."""
    items = ",\n".join(f"[==[{b}]==]" for b in bodies)
    pace = _PACE % (THREADS * 1000.0 / rate) if rate else ""
    path.write_text(f"local bodies = {{\n{items}\n}}\nlocal i = 0\n"
                    "request = function()\n  i = i + 1\n"
                    f"  return wrk.format('POST', '{route}', {{['Content-Type'] = 'application/json'}}, "
                    "bodies[(i % #bodies) + 1])\nend\n" + pace, encoding="utf-8")


def wrk(url: str, script: Path, connections: int, seconds: float) -> dict:
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "errors": errors, "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def at_rate(url: str, tmp: Path, bodies: list[str], rate: float, seconds: float, connections: int = 64) -> dict:
    """wrk sending POST /score at a fixed `rate` requests/s; 64 connections, so that the kernel's spread of them
    over the workers is even enough (with 16, 12 on one worker of two was common)."""
    script = tmp / "rate.lua"
    lua_script(script, "/score", bodies, rate)
    return wrk(url, script, connections, seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=None, help="server workers (default: adrisk serve's own)")
    ap.add_argument("--yardstick", type=float, default=None, help="MB/s of the plain pipeline, to print ratios")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("loadtest needs wrk (apt-get install wrk; make loadtest installs it)")
    ads = ads_of_about_1kb()
    bodies = [json.dumps({"text": t}, ensure_ascii=False) for t in ads]
    batches = [json.dumps({"items": [{"id": j, "text": ads[(i + j) % len(ads)]} for j in range(100)]},
                          ensure_ascii=False) for i in range(0, 40, 4)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(Path(sys.executable).parent / "adrisk"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers)] if args.workers else []
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        workers = args.workers or len(os.sched_getaffinity(0))
        size = sum(len(t.encode()) for t in ads) / len(ads)

        def ratio(ads_per_s: float) -> str:
            return f"  ({ads_per_s * size / 1e6 / args.yardstick:.1f}x the plain pipeline)" if args.yardstick else ""

        print(f"adrisk serve, {workers} workers, {len(ads)} ads of {size:.0f} bytes on average, "
              f"wrk on the same {os.cpu_count()} cores, {args.seconds:g} s a run")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            warm = tmp / "warm.lua"
            lua_script(warm, "/score", bodies)
            wrk(url, warm, 8, 5)  # every worker sees every ad once before measuring
            for rate in (100, 250, 500):
                r = at_rate(url, tmp, bodies, rate, args.seconds)
                print(f"  POST /score at {rate:>3} req/s: reached {r['rps']:6.0f} req/s  p50 {r['p50']:6.2f} ms  "
                      f"p99 {r['p99']:6.2f} ms  errors {r['errors']}  RSS {rss_mb(server.pid):.0f} MiB")
            r = wrk(url, warm, 32, args.seconds)
            print(f"  POST /score saturated (32 connections): {r['rps']:6.0f} req/s  p50 {r['p50']:6.2f} ms  "
                  f"p99 {r['p99']:6.2f} ms  errors {r['errors']}{ratio(r['rps'])}")
            batch = tmp / "batch.lua"
            path = batch.with_suffix(".tmp")
            lua_script(path, "/score/batch", batches)
            path.rename(batch)
            r = wrk(url, batch, 8, args.seconds)  # 8: the kernel spreads them over the workers (4 could all land on one)
            print(f"  POST /score/batch, 100 ads a request (8 connections): {r['rps'] * 100:7.0f} ads/s  "
                  f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']}  "
                  f"RSS {rss_mb(server.pid):.0f} MiB{ratio(r['rps'] * 100)}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
