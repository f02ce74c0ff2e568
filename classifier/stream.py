"""Score a stream of rows in fixed-size chunks, in one process or several; memory stays flat."""
from __future__ import annotations

import gc
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .batch import Rejected, Row, Summary
from .scorer import Scorer
from .writers import Writer

_worker_scorer: Scorer | None = None


def settle_gc() -> None:
    """For a process that loads the model and then scores a stream: the model's objects move out of the
    collector's passes, and young objects are collected less often (a stream allocates a few dicts per row;
    the collector's passes were about a sixth of a --no-reasons run). Not for a library caller's process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def _init_worker(model_dir: str | None, medium, high) -> None:
    global _worker_scorer
    _worker_scorer = Scorer.load(model_dir, medium, high)
    settle_gc()


def _dumps(scorer: Scorer, texts: list[str], explain: bool | str, reveal: bool = False) -> list[dict]:
    """Result.model_dump() of each text, explained as `Scorer.score` says (True, "flagged" or False)."""
    return scorer.records(texts, explain=explain, reveal=reveal)


def _score_chunk(args) -> list[dict]:
    texts, explain, reveal = args
    return _dumps(_worker_scorer, texts, explain, reveal)


def _chunks(rows: Iterable[Row | Rejected], size: int, on_reject: Callable[[Rejected], None],
            summary: Summary) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        summary.read += 1
        if isinstance(row, Rejected):
            summary.rejected += 1
            on_reject(row)
            continue
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_stream(rows: Iterable[Row | Rejected], writer: Writer, on_reject: Callable[[Rejected], None],
                 scorer: Scorer | None = None, model_dir: str | Path | None = None, workers: int = 1,
                 chunk_size: int | None = None, explain: bool | str = "flagged",
                 progress: Callable[[int], None] | None = None, medium: float | None = None,
                 high: float | None = None, reveal: bool = False) -> Summary:
    """Score rows in input order and write one record per scored row; rejected rows go to on_reject.
    explain as in `Scorer.score`. Chunks default to 256 rows when every row is explained and 4096 otherwise
    (the batch fast path gains from big batches)."""
    summary = Summary()
    chunks = _chunks(rows, chunk_size or (256 if explain in (True, "all") else 4096), on_reject, summary)
    if workers <= 1:
        scorer = scorer or Scorer.load(model_dir, medium, high)
        for chunk in chunks:
            results = _dumps(scorer, [r.text for r in chunk], explain, reveal)
            _emit(chunk, results, writer, summary, progress)
        return summary
    ctx = get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(str(model_dir) if model_dir else None, medium, high)) as pool:
        # keep a bounded window of chunks in flight so memory stays flat on any input size
        window = workers * 2
        pending: list[tuple[list[Row], object]] = []
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_score_chunk, (([r.text for r in chunk], explain, reveal),))))
            if len(pending) >= window:
                done, res = pending.pop(0)
                _emit(done, res.get(), writer, summary, progress)
        for done, res in pending:
            _emit(done, res.get(), writer, summary, progress)
    return summary


def _emit(chunk: list[Row], results: list[dict], writer: Writer, summary: Summary, progress) -> None:
    writer.write(chunk, results)
    summary.scored += len(chunk)
    if progress:
        progress(len(chunk))



def scored_rows(rows: Iterable[Row | Rejected], scorer: Scorer, on_reject: Callable[[Rejected], None],
                summary: Summary, reveal: bool = False, chunk_size: int = 4096) -> Iterator[tuple[Row, dict]]:
    """(row, record without reasons) for every good row, in input order; rejected rows go to on_reject and
    every row is counted in summary (read = scored + rejected)."""
    for chunk in _chunks(rows, chunk_size, on_reject, summary):
        for row, record in zip(chunk, scorer.records([r.text for r in chunk], reveal=reveal)):
            summary.scored += 1
            yield row, record
