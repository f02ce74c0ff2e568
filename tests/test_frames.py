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


def test_cli_dask_engine_scores_a_glob_into_parquet(tmp_path, model_dir):
    pytest.importorskip("distributed")
    from click.testing import CliRunner

    from api.cli import app

    for part in range(2):
        pd.DataFrame({"id": [f"{part}-{i}" for i in range(20)], "body": [TEXTS[i % 2] for i in range(20)]}) \
            .to_csv(tmp_path / f"part{part}.csv", index=False)
    out = tmp_path / "scored"
    res = CliRunner().invoke(app, ["score", str(tmp_path / "part*.csv"), "--engine", "dask", "--column", "body",
                                   "-o", str(out), "--workers", "2", "--model", str(model_dir)])
    assert res.exit_code == 0, res.output
    assert "rows scored 40" in res.stderr
    scored = pd.read_parquet(out).sort_values("id")
    expected = score_frame(pd.DataFrame({"body": [TEXTS[i % 2] for i in range(20)]}), "body", str(model_dir))
    assert list(scored["score"][:20]) == pytest.approx(list(expected["score"]))
    again = CliRunner().invoke(app, ["score", str(tmp_path / "part*.csv"), "--engine", "dask", "-o", str(out),
                                     "--column", "body", "--model", str(model_dir)])
    assert again.exit_code == 2 and "exists" in again.stderr  # never written over


def test_cli_dask_engine_stops_at_a_malformed_row_and_points_to_the_local_engine(tmp_path, model_dir):
    pytest.importorskip("distributed")
    from click.testing import CliRunner

    from api.cli import app

    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "Нужен курьер"}\n{"id": 2, "text": \n', encoding="utf-8")
    out = tmp_path / "scored"
    res = CliRunner().invoke(app, ["score", str(tmp_path / "*.jsonl"), "--engine", "dask", "-o", str(out),
                                   "--workers", "1", "--model", str(model_dir)])
    assert res.exit_code == 2 and "reports each bad row by its line" in res.stderr
    assert not out.exists()
