"""Score pandas and Dask DataFrames: one partition at a time, the model loaded once per worker process.

>>> frame = pd.DataFrame({"id": [1, 2], "text": ["Нужен закладчик, 10к в день, пиши в лс", "привет, как дела?"]})
>>> score_frame(frame)["risk"].tolist()
['high', 'low']
>>> # the same over a cluster: score_dask(dask.dataframe.from_pandas(frame, npartitions=2)).compute()
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .scorer import Scorer

RESULT_COLUMNS = {"score": "float64", "risk": "string", "category": "string", "model_version": "string"}


@lru_cache(maxsize=4)
def _scorer(model_dir: str | None) -> Scorer:
    return Scorer.load(model_dir)


def score_frame(frame: pd.DataFrame, text_column: str = "text", model_dir: str | None = None) -> pd.DataFrame:
    """frame with score, risk, category and model_version columns added; a missing text scores as empty."""
    scorer = _scorer(str(model_dir) if model_dir else None)
    texts = frame[text_column].where(frame[text_column].notna(), "").astype(str).tolist()
    records = scorer.records(texts)
    out = frame.copy()
    for column, dtype in RESULT_COLUMNS.items():
        out[column] = pd.Series([r[column] for r in records], index=out.index, dtype=dtype)
    return out


def score_dask(ddf, text_column: str = "text", model_dir: str | None = None):
    """A lazy Dask DataFrame with the result columns; runs on whatever cluster the client points at."""
    meta = ddf._meta.assign(**{k: pd.Series(dtype=v) for k, v in RESULT_COLUMNS.items()})
    return ddf.map_partitions(score_frame, text_column=text_column, model_dir=model_dir, meta=meta)


def score_files_on_dask(pattern: str, output: str, fmt: str, text_column: str = "text", model_dir: str | None = None,
                        scheduler: str | None = None, workers: int = 2) -> int:
    """Score JSONL, CSV or Parquet files (a path or glob) on a Dask cluster into a Parquet folder; returns the rows
    written. Without a scheduler address a local cluster of `workers` processes is started. The folder appears
    only when complete (written beside it, then renamed)."""
    import os
    import shutil
    from pathlib import Path

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    target = Path(output)
    if target.exists():
        raise FileExistsError(f"{output} exists; remove it or choose another --output")
    readers = {"jsonl": lambda: dd.read_json(pattern, lines=True, blocksize=64 * 2**20),
               "csv": lambda: dd.read_csv(pattern, dtype=str, keep_default_na=False), "parquet": lambda: dd.read_parquet(pattern)}
    if fmt not in readers:
        raise ValueError(f"the dask engine reads jsonl, csv or parquet, not {fmt}")
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    try:
        with Client(scheduler or cluster):
            ddf = readers[fmt]()
            if text_column not in ddf.columns:
                raise ValueError(f"{pattern}: no column {text_column!r}; choose it with --column")
            score_dask(ddf, text_column, model_dir).to_parquet(str(tmp), write_index=False)
        rows = int(dd.read_parquet(str(tmp)).map_partitions(len).compute(scheduler="sync").sum())
        os.replace(tmp, target)
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if cluster is not None:
            cluster.close()
