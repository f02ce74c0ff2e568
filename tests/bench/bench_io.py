"""Batch input/output benchmark: what reading and writing cost next to scoring. Prints figures; asserts nothing.

usage: python tests/bench/bench_io.py [--mb 40] [--runs 2] [--xlsx-mb 4]
- wall time of `adrisk score FILE --no-reasons -o out.jsonl` on N MB of JSONL made from the project's written
  examples (repeated, with ids), start-up included;
- in one process, on the same rows: reading and writing alone (a stub scorer hands back a real result record
  for every row, so the writer does all its work), the same with the stdlib json module as the former reader
  and writer did it, and scoring alone (`Scorer.records` in chunks of 4096, a fresh token table);
- read rates of the other formats (CSV, TSV, JSON array, and a smaller workbook) and write rates of CSV and
  Parquet.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classifier.batch import read_rows
from classifier.scorer import Scorer
from classifier.stream import score_stream, settle_gc
from classifier.writers import Writer
from training.corpus import written_examples

ADRISK = str(Path(sys.executable).parent / "adrisk")


def make_jsonl(path: Path, megabytes: float) -> list[str]:
    texts = written_examples()["text"].tolist()
    out, size, i = [], 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < megabytes * 1e6:
            line = json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n"
            f.write(line)
            out.append(texts[i % len(texts)])
            size += len(line.encode())
            i += 1
    return out


class StubScorer:
    """Hands back a copy of one real result record per text: no scoring, every byte of output still written."""

    def __init__(self, record: dict):
        self.record = record

    def records(self, texts, ids=None):
        return [dict(self.record) for _ in texts]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def stream_io(path: Path, out: Path, stub: StubScorer, fmt: str = "jsonl", **read) -> float:
    def run():
        with open(out, "wb") as f:
            writer = Writer(f, fmt)
            score_stream(read_rows(str(path), **read), writer, lambda r: None, scorer=stub, explain=False)
            writer.close()
    return timed(run)


def stdlib_io(path: Path, out: Path, record: dict) -> float:
    """The former path: decode each line, json.loads, merge id, other keys and result, json.dumps a chunk."""
    def run():
        chunk = []
        with open(path, "rb") as src, open(out, "w", encoding="utf-8") as dst:
            def flush():
                dst.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk))
                chunk.clear()
            for raw in src:
                obj = json.loads(raw.decode("utf-8").rstrip("\r\n"))
                extra = {k: v for k, v in obj.items() if k not in ("text", "id")}
                rec = {"id": obj.get("id"), **{k: v for k, v in extra.items() if k not in record}}
                rec.update({k: v for k, v in dict(record).items() if k != "id"})
                chunk.append(rec)
                if len(chunk) >= 4096:
                    flush()
            flush()
    return timed(run)


def cli_seconds(path: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([ADRISK, "score", str(path), "--no-reasons", "-o", str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=40.0)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--xlsx-mb", type=float, default=4.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="adrisk-bench-io-"))
    src = tmp / "in.jsonl"
    texts = make_jsonl(src, args.mb)
    mb = src.stat().st_size / 1e6
    print(f"input: {mb:.1f} MB of JSONL, {len(texts):,} rows")

    cli = [cli_seconds(src, tmp / "cli.jsonl") for _ in range(args.runs)]
    print(f"adrisk score --no-reasons -o out.jsonl: best {min(cli):.2f} s of {args.runs} ({mb / min(cli):.1f} MB/s), "
          f"all {', '.join(f'{s:.2f}' for s in cli)}")

    scorer = Scorer.load()
    record = scorer.records([texts[0]])[0]
    settle_gc()  # as the CLI does
    stub = StubScorer(record)
    io_s = min(stream_io(src, tmp / "io.jsonl", stub) for _ in range(args.runs))
    ref_s = min(stdlib_io(src, tmp / "ref.jsonl", record) for _ in range(args.runs))
    read_s = min(timed(lambda: sum(1 for _ in read_rows(str(src)))) for _ in range(args.runs))

    fresh = Scorer.load()

    def score_all():
        for i in range(0, len(texts), 4096):
            fresh.records(texts[i:i + 4096])
    score_s = timed(score_all)
    print(f"read + write alone (stub scorer): {io_s:.2f} s ({mb / io_s:.0f} MB/s), of which reading {read_s:.2f} s")
    print(f"  the same with the stdlib json module, as before: {ref_s:.2f} s ({mb / ref_s:.0f} MB/s)")
    print(f"scoring alone (Scorer.records, chunks of 4096, a fresh token table): {score_s:.2f} s "
          f"({mb / score_s:.1f} MB/s)")
    print(f"I/O share of read + score + write: {io_s / (io_s + score_s):.0%}; of the CLI run: {io_s / min(cli):.0%}")

    # other formats: the same rows written out once, then read (and written) through the library
    import pandas as pd

    frame = pd.read_json(src, lines=True)
    frame.to_csv(tmp / "in.csv", index=False)
    frame.to_csv(tmp / "in_semicolon_cp1251.csv", index=False, sep=";", encoding="cp1251", errors="replace")
    frame.to_csv(tmp / "in.tsv", index=False, sep="\t")
    with open(tmp / "in.json", "w", encoding="utf-8") as f:
        json.dump(frame.to_dict("records"), f, ensure_ascii=False)
    small = frame.iloc[: max(1, int(len(frame) * args.xlsx_mb / mb))]
    small.to_excel(tmp / "in.xlsx", index=False)
    for name in ("in.csv", "in_semicolon_cp1251.csv", "in.tsv", "in.json", "in.xlsx"):
        path = tmp / name
        size = path.stat().st_size / 1e6
        seconds = timed(lambda: sum(1 for _ in read_rows(str(path))))
        n = len(small) if name.endswith("xlsx") else len(frame)
        print(f"read {name:26} {size:6.1f} MB  {seconds:6.2f} s  {size / seconds:6.1f} MB/s  {n / seconds:9,.0f} rows/s")
    for fmt in ("csv", "parquet"):
        seconds = stream_io(src, tmp / f"out.{fmt}", stub, fmt)
        print(f"read JSONL + write {fmt:7}            {seconds:6.2f} s  {mb / seconds:6.1f} MB/s of input")
    for p in tmp.iterdir():
        os.remove(p)
    tmp.rmdir()


if __name__ == "__main__":
    main()
