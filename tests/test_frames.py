"""Scoring DataFrames, and a Dask LocalCluster with two workers."""
import pandas as pd
import pytest

from classifier.frames import score_dask, score_frame

TEXTS = ["Нужен закладчик, 20 000 ₸ в день, пиши в лс", "ТОО «Арай» ищет бухгалтера, пятидневка, оклад 300 000 ₸", None]


def test_score_frame_keeps_columns(model_dir):
    frame = pd.DataFrame({"id": [1, 2, 3], "text": TEXTS})
    out = score_frame(frame, model_dir=str(model_dir))
    assert list(out["id"]) == [1, 2, 3] and out["score"][0] > out["score"][1]
    assert set(out["risk"]) <= {"low", "medium", "high"}


def test_dask_local_cluster_two_workers(model_dir):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    frame = pd.DataFrame({"id": range(60), "text": [TEXTS[i % 2] for i in range(60)]})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        out = score_dask(dd.from_pandas(frame, npartitions=6), model_dir=str(model_dir)).compute()
    expected = score_frame(frame, model_dir=str(model_dir))
    assert list(out.sort_values("id")["score"]) == pytest.approx(list(expected["score"]))
