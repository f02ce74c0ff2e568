"""Load the training corpus: the project's written examples, the expanded patterns and user files."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from classifier.result import CATEGORIES

from .generate import generate, load_patterns

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
BINARY = {"1": "scam_recruitment", "0": "not_recruitment", "true": "scam_recruitment", "false": "not_recruitment"}


class DataError(Exception):
    """A training file that cannot be used; the message names the file and the problem."""


def _label(value, path: Path, line: int) -> str:
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in CATEGORIES:
        return text
    if text in BINARY:
        return BINARY[text]
    raise DataError(f"{path}:{line}: label {value!r} is not one of {', '.join(CATEGORIES)} or 1/0")


def read_labelled(path: str | Path, kind: str = "user", text_field: str = "text",
                  label_field: str = "label") -> pd.DataFrame:
    """A CSV or JSONL file with text and label columns as a frame of text, label, lang, kind."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame["_line"] = range(2, len(frame) + 2)  # line 1 is the header
        else:
            rows = []
            with open(path, encoding="utf-8") as f:
                for i, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            obj = json.loads(line)
                        except ValueError as e:
                            raise DataError(f"{path}:{i}: not JSON ({e.msg})") from None
                        if not isinstance(obj, dict):
                            raise DataError(f"{path}:{i}: not a JSON object")
                        rows.append({**obj, "_line": i})
            frame = pd.DataFrame(rows)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    missing = {text_field, label_field} - set(frame.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    # a column already called text or label that was not chosen gives way to the chosen ones
    frame = frame.drop(columns=[c for c in ("text", "label") if c in frame and c not in (text_field, label_field)])
    frame = frame.rename(columns={text_field: "text", label_field: "label"})
    frame = frame[frame["text"].astype(str).str.strip() != ""].copy()
    frame["text"] = frame["text"].astype(str)
    labels, bad = [], []
    for v, line in zip(frame["label"], frame["_line"]):
        try:
            labels.append(_label(v, path, line))
        except DataError as e:
            bad.append(str(e))
    if bad:  # every bad row at once (the first few named), not one per run
        more = f"\n... and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise DataError("\n".join(bad[:5]) + more)
    frame["label"] = labels
    frame["lang"] = frame["lang"] if "lang" in frame else "unknown"
    frame["kind"] = kind
    frame["source"] = path.name
    return frame[["text", "label", "lang", "kind", "source", *(["group"] if "group" in frame else [])]]


def written_examples(seeds_dir: Path = SEEDS_DIR) -> pd.DataFrame:
    """Every examples/*.jsonl file the project wrote by hand."""
    frames = [read_labelled(p, kind="written") for p in sorted((seeds_dir / "examples").glob("*.jsonl"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["text", "label", "lang", "kind", "source"])


def generated_examples(seeds_dir: Path = SEEDS_DIR, per_label: int = 250, seed: int = 13) -> pd.DataFrame:
    """Examples expanded from seeds/patterns.yaml."""
    frame = pd.DataFrame(generate(load_patterns(seeds_dir / "patterns.yaml"), per_label=per_label, seed=seed))
    frame["source"] = "patterns.yaml"
    return frame


def build_corpus(user_files: list[str | Path] = (), seeds_dir: Path = SEEDS_DIR, per_label: int = 250,
                 include_project: bool = True, text_field: str = "text", label_field: str = "label",
                 overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Project corpus plus user files, exact duplicates dropped (first occurrence wins). Rows of overrides
    (moderators' verdicts) come first, so their label wins over any other row with the same text."""
    frames = [overrides] if overrides is not None and len(overrides) else []
    frames += [written_examples(seeds_dir), generated_examples(seeds_dir, per_label)] if include_project else []
    frames += [read_labelled(p, "user", text_field, label_field) for p in user_files]
    if not frames:
        raise DataError("no training data: give --data FILE or keep the project corpus")
    corpus = pd.concat(frames, ignore_index=True)
    corpus = corpus.drop_duplicates(subset="text", keep="first").reset_index(drop=True)
    return corpus
