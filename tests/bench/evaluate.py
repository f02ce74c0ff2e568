"""`make evaluate`: every real-data figure in one run, through the same commands a user runs. Prints only.

usage: python tests/bench/evaluate.py DEV.jsonl EMSCAD_DIR
1. the shipped model on DEV (`adrisk evaluate`);
2. `adrisk train --data DEV` into a temporary folder: cross-validated figures on the DEV rows;
3. EMSCAD: `adrisk train --data train.csv --only-data --tune`, scored on test.csv, beside plain TF-IDF + LR.
Nothing trained here is kept.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline

from classifier.scorer import Scorer

ADRISK = str(Path(sys.executable).parent / "adrisk")


def run(*args: str) -> str:
    done = subprocess.run([ADRISK, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"adrisk {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout + done.stderr


def figures(y: np.ndarray, scores: np.ndarray) -> str:
    return (f"F1@0.5 {f1_score(y, scores >= 0.5):.4f}  PR-AUC {average_precision_score(y, scores):.4f}  "
            f"ROC-AUC {roc_auc_score(y, scores):.4f}")


def main() -> None:
    dev, emscad = Path(sys.argv[1]), Path(sys.argv[2])
    print(f"== 1. shipped model on {dev.name}")
    print(run("evaluate", str(dev)))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"== 2. adrisk train --data {dev.name} (project corpus + dev rows, 4 folds; dev rows by near-duplicate group)")
        log = run("train", "--data", str(dev), "--folds", "4", "--out", str(Path(tmp) / "with_dev"))
        print("\n".join(line for line in log.splitlines() if "cross-validation" in line or "your rows" in line))
        print("\n== 3. EMSCAD: train on train.csv alone, test on test.csv")
        log = run("train", "--data", str(emscad / "train.csv"), "--label-field", "fraudulent", "--only-data", "--tune",
                  "--out", str(Path(tmp) / "emscad"))
        print("\n".join(line for line in log.splitlines() if line.startswith("C by")))
        train, test = pd.read_csv(emscad / "train.csv"), pd.read_csv(emscad / "test.csv")
        y = test["fraudulent"].to_numpy()
        ours = Scorer.load(Path(tmp) / "emscad").scores(test["text"].tolist())
        plain = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
        plain.fit(train["text"], train["fraudulent"])
        print(f"  adrisk train --data --tune  {figures(y, ours)}")
        print(f"  plain TF-IDF + LR           {figures(y, plain.predict_proba(test['text'])[:, 1])}")


if __name__ == "__main__":
    main()
