"""Score a stream of rows in fixed-size chunks, in one process or several; memory stays flat.

Real streams repeat themselves (a campaign posts one ad many times), so each distinct text is scored once:
a bounded cache keeps the results of the texts seen most recently, and repeats are served from it. For JSONL
output a result is kept already encoded (`writers.encode_result`), so a repeat costs a few bytes copied.
Workers are forked from the process that has already loaded the model and built its tables, so a worker
starts warm instead of loading everything again; the parent reads, serves repeats and writes, the workers
score and encode.
"""
from __future__ import annotations

import gc
import os
import signal
from collections import OrderedDict, deque
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .batch import InputError, Rejected, Row, Summary
from .scorer import Scorer
from .writers import Writer, encode_result

CACHE_TEXTS = 20_000  # distinct texts whose results are kept for repeats (a few tens of MB)
READ_AHEAD_CHARS = 48_000_000  # with workers: text read ahead of the oldest row not yet written (~100 MB at most)
_worker_scorer: Scorer | None = None


def settle_gc() -> None:
    """For a process that loads the model and then scores a stream: the model's objects move out of the
    collector's passes, and young objects are collected less often (a stream allocates a few dicts per row;
    the collector's passes were about a sixth of a --no-reasons run). Not for a library caller's process. No
    collection first: it walked every object of the loaded model (30 ms of each start) to free a few cycles
    left by imports."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


class ResultCache:
    """Results of the most recently scored distinct texts, without their ids (dicts, or encoded bytes); at most
    `size` of them."""

    def __init__(self, size: int = CACHE_TEXTS):
        self.size, self._items = size, OrderedDict()
        self.hits = 0

    def split(self, texts: list[str]) -> tuple[list, list[str]]:
        """(cached result or None for each text, the distinct texts still to score, in first-seen order)."""
        found, todo = [], {}
        for t in texts:
            r = self._items.get(t)
            if r is None and t not in todo:
                todo[t] = None
            found.append(r)
        self.hits += sum(r is not None for r in found)
        return found, list(todo)

    def add(self, texts: list[str], results: list[dict]) -> None:
        for t, r in zip(texts, results):
            self._items[t] = r
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def fill(self, texts: list[str], found: list) -> list:
        """The result of each text: a fresh dict per row (each row gets its own copy to carry its id), or the
        encoded bytes themselves."""
        out = []
        for t, r in zip(texts, found):
            r = r if r is not None else self._items.get(t)
            if r is None:
                raise KeyError("a text left the cache before its row was written; raise CACHE_TEXTS")
            out.append(r if isinstance(r, bytes) else dict(r))
        return out


def _records(scorer: Scorer, texts: list[str], explain, reveal: bool, encoded: bool) -> list:
    records = scorer.records(texts, explain=explain, reveal=reveal)
    for r in records:
        r.pop("id", None)
    return [encode_result(r) for r in records] if encoded else records


def _score_in_worker(args) -> list:
    return _records(_worker_scorer, *args)


def _quiet_worker() -> None:
    """A worker leaves signals to the parent: Ctrl-C reaches it through the parent, which ends the pool (SIGTERM,
    with its default action here, not a handler inherited from the command)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _init_spawned(model_dir: str | None, medium, high) -> None:
    _quiet_worker()
    global _worker_scorer
    _worker_scorer = Scorer.load(model_dir, medium, high)
    settle_gc()


def _chunks(rows: Iterable[Row | Rejected], size: int, on_reject: Callable[[Rejected], None],
            summary: Summary) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    try:
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
    except InputError:  # the input cannot be read on (a JSON array broken in the middle): the rows before it count
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


def score_stream(rows: Iterable[Row | Rejected], writer: Writer, on_reject: Callable[[Rejected], None],
                 scorer: Scorer | None = None, model_dir: str | Path | None = None, workers: int = 1,
                 chunk_size: int | None = None, explain: bool | str = "flagged",
                 progress: Callable[[int], None] | None = None, medium: float | None = None,
                 high: float | None = None, reveal: bool = False, cache: ResultCache | None = None) -> Summary:
    """Score rows in input order and write one record per scored row; rejected rows go to on_reject.
    explain as in `Scorer.score`. Chunks default to 4096 rows in one process (the batch fast path gains from
    big batches), and to 256 when every row is explained or workers share the work (so the distinct texts at
    the start of a stream, the slow part, are split between them)."""
    summary = Summary()
    encoded = writer.fmt == "jsonl"
    chunk_size = chunk_size or (256 if explain in (True, "all") or workers > 1 else 4096)
    cache = cache or ResultCache()
    cache.size = max(cache.size, 3 * chunk_size)  # a chunk's repeats of texts still in flight must stay cached
    chunks = _chunks(rows, chunk_size, on_reject, summary)
    if workers <= 1:
        scorer = scorer or Scorer.load(model_dir, medium, high)
        for chunk in chunks:
            texts = [r.text for r in chunk]
            found, todo = cache.split(texts)
            if todo:
                cache.add(todo, _records(scorer, todo, explain, reveal, encoded))
            _emit(chunk, cache.fill(texts, found), writer, summary, progress)
        return summary
    global _worker_scorer
    if "fork" in _start_methods():  # workers inherit the loaded model and its warm tables
        _worker_scorer = scorer or Scorer.load(model_dir, medium, high)
        _worker_scorer.records(["warm-up: курьер 5000 в день"], explain=True)
        pool = get_context("fork").Pool(workers, initializer=_quiet_worker)
    else:
        pool = get_context("spawn").Pool(workers, initializer=_init_spawned,
                                         initargs=(str(model_dir) if model_dir else None, medium, high))
    with pool:
        # The parent reads on while the workers score, up to READ_AHEAD_CHARS of text: repeats of texts still in
        # flight wait in the window, so the parent's own work (reading, repeats) overlaps the workers' instead
        # of following it. The texts sent in the window stay under half the cache, so none leaves it before
        # the last row that repeats it is written.
        pending: deque[tuple[list[Row], list[str], list, list[str], object, int]] = deque()
        in_flight: set[str] = set()  # texts sent to a worker whose results are not back yet
        held = sent = 0  # characters of text in the window; texts of it sent to workers

        def finish() -> None:
            nonlocal held, sent
            chunk, texts, found, todo, job, size = pending.popleft()
            if job is not None:
                cache.add(todo, job.get())
                in_flight.difference_update(todo)
            held -= size
            sent -= len(todo)
            _emit(chunk, cache.fill(texts, found), writer, summary, progress)

        try:
            for chunk in chunks:
                texts = [r.text for r in chunk]
                found, todo = cache.split(texts)
                todo = [t for t in todo if t not in in_flight]  # an earlier chunk brings it into the cache first
                in_flight.update(todo)
                job = pool.apply_async(_score_in_worker, ((todo, explain, reveal, encoded),)) if todo else None
                size = sum(map(len, texts))
                pending.append((chunk, texts, found, todo, job, size))
                held += size
                sent += len(todo)
                while held > READ_AHEAD_CHARS or sent > cache.size // 2:
                    finish()
                # Rows whose results are back are written now, in order, not all at the end with the other core
                # idle.
                while pending and (pending[0][4] is None or pending[0][4].ready()):
                    finish()
        except InputError:  # the input broke off: the rows read before it are written, then the error stands
            while pending:
                finish()
            raise
        while pending:
            finish()
    return summary


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods() if os.name == "posix" else ["spawn"]


def _emit(chunk: list[Row], results: list, writer: Writer, summary: Summary, progress) -> None:
    if results and isinstance(results[0], bytes):
        writer.write_encoded(chunk, results)
    else:
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
