"""Campaign benchmark. Prints figures; asserts nothing.

usage: python tests/bench/bench_campaigns.py [--texts 100000] [--skip-sweep]
- purity and completeness over thresholds on generated variants of the project's own ads (tests/data/
  campaign_ads.jsonl): every disguise kind, and reposts with other digits, handles and an added line;
- wall time and peak RSS of `adrisk campaigns` (one process, one core) on N texts: the project corpus plus
  disguised variants of it, written to a temporary JSONL file.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaign_variants import edited_variants, evaluate, purity_completeness, variants  # noqa: E402
from disguises import ALL_KINDS, disguise  # noqa: E402
from training.corpus import written_examples  # noqa: E402

ADRISK = str(Path(sys.executable).parent / "adrisk")


def sweep() -> None:
    plain, edited = variants(seeds=2), edited_variants(seeds=3)
    print(f"variants: {len(plain)} disguised copies of 40 ads; {len(edited)} edited reposts, each also disguised")
    print(f"{'threshold':>9}  {'disguised: purity':>18} {'completeness':>12}  {'reposts: purity':>16} {'completeness':>12}")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        p1, c1, _, _ = evaluate(t, plain)
        p2, c2, _, _ = evaluate(t, edited)
        print(f"{t:>9}  {p1:>18.4f} {c1:>12.4f}  {p2:>16.4f} {c2:>12.4f}")


def corpus_with_variants(n: int) -> tuple[list[str], list[int]]:
    """n texts: the corpus, then disguised copies of random corpus texts; and the corpus text each came from."""
    texts = written_examples()["text"].tolist()
    r = random.Random(7)
    out, source = list(texts), list(range(len(texts)))
    while len(out) < n:
        k = r.randrange(len(texts))
        out.append(disguise(r.choice(ALL_KINDS), texts[k], str(len(out))))
        source.append(k)
    return out[:n], source[:n]


def run_campaigns(path: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time of `adrisk campaigns` in its own child process."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)")
    res = subprocess.run([sys.executable, "-c", probe, ADRISK, "campaigns", str(path), "-o", str(out)],
                         capture_output=True, text=True, check=True)
    rss, wall = res.stdout.split()
    print(res.stderr.strip().splitlines()[-1])
    return int(rss) / 1024, float(wall)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--skip-sweep", action="store_true")
    args = ap.parse_args()
    if not args.skip_sweep:
        sweep()
    texts, source = corpus_with_variants(args.texts)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "messages.jsonl"
        src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)),
                       encoding="utf-8")
        size = src.stat().st_size / 1e6
        rss, wall = run_campaigns(src, Path(tmp) / "campaigns.jsonl")
        campaigns = [json.loads(l) for l in (Path(tmp) / "campaigns.jsonl").read_text(encoding="utf-8").splitlines()]
    in_campaigns = sum(c["size"] for c in campaigns)
    groups = [c["ids"] for c in campaigns]
    grouped = {i for g in groups for i in g}
    groups += [[i] for i in range(len(texts)) if i not in grouped]
    purity, completeness = purity_completeness([str(s) for s in source], groups)
    print(f"adrisk campaigns on {len(texts)} texts ({size:.1f} MB JSONL): {wall:.1f} s wall, peak RSS {rss:.0f} MiB; "
          f"{len(campaigns)} campaigns of 2+ holding {in_campaigns} texts, largest {campaigns[0]['size'] if campaigns else 0}")
    print(f"against the corpus text each variant came from: purity {purity:.4f}, completeness {completeness:.4f} "
          "(corpus texts that are near-copies of each other count against purity)")


if __name__ == "__main__":
    main()
