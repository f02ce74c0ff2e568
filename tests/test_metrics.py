"""The real-data report's figures, where they have rows to stand on and where they do not."""
from training.metrics import format_report, report


def test_precision_with_nothing_flagged_is_undefined_not_zero():
    r = report(["legit_job", "drug_courier", "not_recruitment"], [0.1, 0.3, 0.2])
    assert r["at_0.5"] == {"precision": None, "recall": 0.0}
    assert "precision undefined (no row at 0.5 or above) recall 0.000" in format_report(r)


def test_recall_without_bait_rows_is_undefined():
    r = report(["legit_job", "not_recruitment"], [0.1, 0.7])
    assert r["at_0.5"] == {"precision": 0.0, "recall": None} and "roc_auc" not in r
    assert "recall undefined (no bait rows)" in format_report(r)


def test_the_usual_case():
    r = report(["drug_courier", "scam_recruitment", "legit_job", "not_recruitment"], [0.9, 0.4, 0.6, 0.1])
    assert r["at_0.5"] == {"precision": 0.5, "recall": 0.5} and r["roc_auc"] == 0.75
