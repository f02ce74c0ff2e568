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

RESULT_COLUMNS = {"score": "float64", "risk": "object", "category": "object", "model_version": "object"}


@lru_cache(maxsize=4)
def _scorer(model_dir: str | None) -> Scorer:
    return Scorer.load(model_dir)


def score_frame(frame: pd.DataFrame, text_column: str = "text", model_dir: str | None = None) -> pd.DataFrame:
    """frame with score, risk, category and model_version columns added; a missing text scores as empty."""
    scorer = _scorer(str(model_dir) if model_dir else None)
    texts = frame[text_column].where(frame[text_column].notna(), "").astype(str).tolist()
    records = scorer.records(texts)
    out = frame.copy()
    for column in RESULT_COLUMNS:
        out[column] = [r[column] for r in records]
    return out


def score_dask(ddf, text_column: str = "text", model_dir: str | None = None):
    """A lazy Dask DataFrame with the result columns; runs on whatever cluster the client points at."""
    meta = ddf._meta.assign(**{k: pd.Series(dtype=v) for k, v in RESULT_COLUMNS.items()})
    return ddf.map_partitions(score_frame, text_column=text_column, model_dir=model_dir, meta=meta)
