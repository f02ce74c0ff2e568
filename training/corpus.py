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
    if value is None or value == "" or (isinstance(value, float) and value != value):  # absent from a JSON line
        raise DataError(f"{path}:{line}: no label")
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
    labels, bad = [], []
    for t, v, line in zip(frame["text"], frame["label"], frame["_line"]):
        if not isinstance(t, str) or not t.strip():  # a blank cell, or a JSON line without a text
            bad.append(f"{path}:{line}: " + ("empty text" if isinstance(t, str) or t is None or t != t
                                             else f"text is {type(t).__name__}, not a string"))
            continue
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
                 overrides: pd.DataFrame | None = None, log=None) -> pd.DataFrame:
    """Project corpus plus user files, exact duplicates dropped (first occurrence wins). Rows of overrides
    (moderators' verdicts) come first, then the user files, so their label wins over a project row with the
    same text. With log, what became of the user's rows is said: repeats, texts given two labels, and texts the
    project corpus holds too."""
    frames = [overrides] if overrides is not None and len(overrides) else []
    user = [read_labelled(p, "user", text_field, label_field) for p in user_files]
    frames += user
    frames += [written_examples(seeds_dir), generated_examples(seeds_dir, per_label)] if include_project else []
    if not frames:
        raise DataError("no training data: give --data FILE or keep the project corpus")
    corpus = pd.concat(frames, ignore_index=True)
    if log and user:
        _say_dropped(pd.concat(user, ignore_index=True), corpus, log)
    corpus = corpus.drop_duplicates(subset="text", keep="first").reset_index(drop=True)
    return corpus


def _say_dropped(user: pd.DataFrame, corpus: pd.DataFrame, log) -> None:
    repeats = int(user.duplicated(subset=["text", "label"]).sum())
    labels = user.groupby("text")["label"].nunique()
    torn = labels[labels > 1]
    if repeats:
        log(f"your files: {_rows(repeats, 'repeated row')} (same text, same label) counted once")
    if len(torn):
        first = user.drop_duplicates(subset="text").set_index("text")["label"]
        shown = "; ".join(f"{t[:60]!r} -> {first[t]}" for t in torn.index[:3])
        log(f"your files: {_rows(len(torn), 'text')} with two or more labels; the first row's label is kept "
            f"({shown}{'; ...' if len(torn) > 3 else ''})")
    project = corpus[corpus["kind"].isin(["written", "generated"])]
    overruled = int(project["text"].isin(set(user["text"])).sum())
    if overruled:
        log(f"your files: {_rows(overruled, 'text')} of yours in the project corpus too; your label is used")


def _rows(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
