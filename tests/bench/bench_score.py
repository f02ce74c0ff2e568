"""Speed and memory of batch scoring and of the API, each as a ratio to a plain scikit-learn pipeline measured
in the same run. Prints figures; asserts nothing.

usage: python tests/bench/bench_score.py [--file FILE.jsonl] [--repeat 10] [--seconds 10] [--runs 3] [--no-api]
- every figure is the best of --runs rounds in which the commands compared, and the yardstick, take turns (a
  shared machine's speed drifts between runs, so each group's ratios are to the yardstick of its own rounds);
- the input: FILE (JSONL with id and text), or the project's written texts, each written --repeat times over
  (real streams repeat their ads; a run on the distinct texts alone is printed too);
- the yardstick: TF-IDF (word 1-2 + char_wb 2-5, sublinear) + logistic regression, fitted on the corpus,
  predict_proba on a few MB of the same texts in a process of its own on one core (its load not timed);
- `adrisk score` end to end (start-up included) on one core (taskset -c 0): the default (reasons for rows at
  or above medium), --no-reasons and --reasons all, with peak RSS; then --workers 1 and 2 on every core;
- the API as `adrisk serve` ships it, under wrk (tests/bench/loadtest.py, --seconds a run).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
ADRISK = str(Path(sys.executable).parent / "adrisk")


def write_input(path: Path, texts: list[str], repeat: int) -> float:
    """JSONL of texts written `repeat` times over (ids say which copy); returns its size in MB."""
    with open(path, "w", encoding="utf-8") as f:
        for k in range(repeat):
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"{i}:{k}", "text": t}, ensure_ascii=False) + "\n")
    return path.stat().st_size / 1e6


RUNS = 3  # each figure is the best of this many runs: a shared machine's speed drifts from one run to the next


def run(commands: list[list[str]], one_core: bool, yardstick: list[str]) -> tuple[list[tuple[float, float]], float]:
    """(best wall seconds, its peak RSS MiB) of each command over RUNS rounds, each in its own child process,
    optionally pinned to core 0; and the best MB/s of the yardstick command, run in the same rounds. The
    commands take turns within a round, so a drift of the machine's speed falls on all of them alike instead
    of on the last one."""
    best, rate = [(float("inf"), 0.0)] * len(commands), 0.0
    for _ in range(RUNS):
        rate = max(rate, float(subprocess.run(yardstick, capture_output=True, text=True, check=True).stdout))
        for k, args in enumerate(commands):
            best[k] = min(best[k], _run_once(args, one_core))
    return best, rate


def _run_once(args: list[str], one_core: bool) -> tuple[float, float]:
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    pin = ["taskset", "-c", "0"] if one_core and shutil.which("taskset") else []
    out = subprocess.run([*pin, sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    wall, rss = out.stdout.split()
    return float(wall), int(rss) / 1024


def fit_plain(corpus, path: Path) -> None:
    """The plain pipeline fitted on the corpus, saved to path (joblib) for the yardstick's own process."""
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    reference = make_pipeline(make_union(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                                         TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
                              LogisticRegression(max_iter=1000)).fit(corpus["text"], corpus["label"])
    joblib.dump(reference, path)


def plain_rate(pipeline: str, sample: str) -> float:
    """MB/s of the saved plain pipeline's predict_proba on the texts of a JSONL file (run pinned to one core)."""
    import joblib

    reference = joblib.load(pipeline)
    texts = [json.loads(line)["text"] for line in open(sample, encoding="utf-8")]
    started = time.perf_counter()
    reference.predict_proba(texts)
    return sum(len(t.encode()) for t in texts) / 1e6 / (time.perf_counter() - started)


def main() -> None:
    global RUNS
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, help="JSONL with id and text (default: the corpus, repeated)")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=10, help="wrk seconds a run for the API")
    ap.add_argument("--no-api", action="store_true")
    ap.add_argument("--runs", type=int, default=RUNS, help="runs of each measurement; the best one is printed")
    ap.add_argument("--yardstick-of", nargs=2, metavar=("PIPELINE", "SAMPLE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.yardstick_of:  # the yardstick's own process
        print(plain_rate(*args.yardstick_of))
        return
    RUNS = args.runs
    from training.corpus import written_examples

    corpus = written_examples()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.file:
            data = args.file
            texts = [json.loads(line)["text"] for line in open(data, encoding="utf-8") if line.strip()]
            distinct = list(dict.fromkeys(texts))
        else:
            distinct = corpus["text"].tolist()
            data = tmp / "repeated.jsonl"
            write_input(data, distinct, args.repeat)
        once = tmp / "distinct.jsonl"
        write_input(once, distinct, 1)
        size, size_once = data.stat().st_size / 1e6, once.stat().st_size / 1e6
        sample, total = [], 0
        for t in distinct:  # a few MB are enough for a rate
            sample.append(t)
            total += len(t.encode())
            if total > 3e6:
                break
        fit_plain(corpus, tmp / "plain.joblib")
        write_input(tmp / "sample.jsonl", sample, 1)
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        yardstick_cmd = [*pin, sys.executable, __file__, "--yardstick-of", str(tmp / "plain.joblib"),
                         str(tmp / "sample.jsonl")]
        print(f"input: {size:.1f} MB, {len(distinct)} distinct texts ({size_once:.1f} MB), {os.cpu_count()} cores; "
              "the yardstick (plain TF-IDF + LR predict_proba, one core) runs in every round")
        yardstick = 0.0

        def line(label: str, mb: float, wall: float, rss: float | None = None) -> None:
            rate = mb / wall
            extra = f"  peak RSS {rss:4.0f} MiB" if rss is not None else ""
            print(f"  {label:<52} {wall:6.1f} s {rate:7.2f} MB/s {rate / yardstick:6.1f}x{extra}")

        out = str(tmp / "out.jsonl")
        print("adrisk score, end to end with start-up, one core:")
        one_core = [("default (reasons for medium and high rows)", data, size, []),
                    ("--no-reasons", data, size, ["--no-reasons"]), ("--reasons all", data, size, ["--reasons", "all"]),
                    ("default, distinct texts only (no repeats)", once, size_once, []),
                    ("--reasons all, distinct texts only", once, size_once, ["--reasons", "all"])]
        results, yardstick = run([[ADRISK, "score", str(path), "-o", out, *extra] for _, path, _, extra in one_core],
                                 True, yardstick_cmd)
        print(f"  {'the yardstick in these rounds':<52} {yardstick:16.2f} MB/s")
        for (label, _, mb, _), (wall, rss) in zip(one_core, results):
            line(label, mb, wall, rss)
        print(f"adrisk score --workers, every core ({os.cpu_count()}):")
        for label, path, mb, extra in [("default", data, size, []), ("--reasons all", data, size, ["--reasons", "all"]),
                                       ("--reasons all, distinct texts only", once, size_once, ["--reasons", "all"])]:
            pair, yardstick = run([[ADRISK, "score", str(path), "-o", out, "--workers", str(w), *extra]
                                   for w in (1, 2)], False, yardstick_cmd)
            print(f"  {'the yardstick in these rounds':<52} {yardstick:16.2f} MB/s")
            for workers, (wall, rss) in zip((1, 2), pair):
                line(f"{label}, --workers {workers}", mb, wall, rss)
            print(f"  {'':<52} 2 workers: {pair[0][0] / pair[1][0]:.2f}x one")
    if not args.no_api:
        if not shutil.which("wrk"):
            print("API: skipped, wrk is not installed (make loadtest installs it)")
            return
        print("API (tests/bench/loadtest.py):")
        result = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "loadtest.py"), "--seconds",
                                 str(args.seconds), "--yardstick", str(yardstick)], capture_output=True, text=True)
        print(result.stdout.rstrip() or result.stderr.rstrip())


if __name__ == "__main__":
    main()
