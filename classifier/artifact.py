"""Save and load the model safely: skops format, an allow-list of types, a checksum, atomic writes."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

MODEL_FILE = "model.skops"
COMPILED_FILE = "compiled.npz"
CARD_FILE = "card.json"
# Every type a trained adrisk model may contain. Anything else in a file is refused, never executed.
ALLOWED_TYPES = frozenset({
    "classifier.features.RiskFeatures",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
})


class ModelError(Exception):
    """The model is missing, tampered with, foreign or unreadable. The message is one line for the user."""


def default_model_dir() -> Path:
    """ADRISK_MODEL if set, else the project's models/ folder."""
    env = os.environ.get("ADRISK_MODEL")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to a temporary file beside path, fsync it, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_OBJECT_ID = re.compile(rb'"__id__": (\d+)|"file": "(\d+)\.npy"')


def canonical_skops(data: bytes) -> bytes:
    """The same skops archive with reproducible bytes: skops names objects and array files by their memory
    address (`id()`), so every save differs; here they are numbered in order of appearance and the zip entries
    get a fixed date. The same model then always gives the same file and SHA-256."""
    src = zipfile.ZipFile(io.BytesIO(data))
    schema = src.read("schema.json")
    numbers: dict[bytes, int] = {}

    def renumber(m: re.Match) -> bytes:
        if m.group(1) is not None:
            return b'"__id__": %d' % numbers.setdefault(m.group(1), len(numbers) + 1)
        return b'"file": "%d.npy"' % numbers.setdefault(m.group(2), len(numbers) + 1)

    schema = _OBJECT_ID.sub(renumber, schema)
    entries = {"schema.json": schema}
    for info in src.infolist():
        if info.filename != "schema.json":
            stem = info.filename.removesuffix(".npy").encode()
            entries[f"{numbers[stem]}.npy"] = src.read(info)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in sorted(entries):
            dst.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), entries[name],
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def save_model(pipeline, card: dict, model_dir: Path) -> dict:
    """Write the model (the pipeline in skops' format and its compiled arrays) and its card, with both files'
    SHA-256, into model_dir; returns the card. The card goes last: until it is replaced, the old card refuses
    the new files by their checksums instead of pairing with them."""
    import skops.io as sio

    from .compiled import CompiledModel

    data = canonical_skops(sio.dumps(pipeline))
    compiled = CompiledModel.from_pipeline(pipeline).to_bytes()
    card = dict(card, sha256=hashlib.sha256(data).hexdigest(), compiled_sha256=hashlib.sha256(compiled).hexdigest())
    model_dir = Path(model_dir)
    atomic_write_bytes(model_dir / MODEL_FILE, data)
    atomic_write_bytes(model_dir / COMPILED_FILE, compiled)
    atomic_write_bytes(model_dir / CARD_FILE, (json.dumps(card, ensure_ascii=False, indent=2) + "\n").encode())
    return card


def load_compiled(model_dir: Path | None = None):
    """Load (CompiledModel, card) for scoring: the compiled arrays after checking their checksum, without
    importing scikit-learn. A model folder without them (written by an older adrisk) is compiled from its
    pipeline."""
    from .compiled import CompiledModel

    model_dir = Path(model_dir) if model_dir else default_model_dir()
    card = load_card(model_dir)
    path = model_dir / COMPILED_FILE
    if "compiled_sha256" not in card:
        pipeline, card = load_model(model_dir)
        return CompiledModel.from_pipeline(pipeline), card
    try:
        data = _read_into_bytearray(path)  # the arrays are views of it: writable, as arrays read by numpy are
    except OSError:
        raise ModelError(f"no {COMPILED_FILE} in {model_dir}: run `make train` (or `adrisk train`) again") from None
    if hashlib.sha256(data).hexdigest() != card["compiled_sha256"]:
        raise ModelError(f"refusing {path}: its SHA-256 does not match the model card (tampered or foreign file)")
    try:
        return CompiledModel.from_bytes(data), card
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as e:
        raise ModelError(f"refusing {path}: {e}") from None


def _read_into_bytearray(path: Path) -> bytearray:
    with open(path, "rb") as f:
        data = bytearray(os.fstat(f.fileno()).st_size)
        if f.readinto(data) != len(data) or f.read(1):
            raise OSError(f"{path} changed while it was read")
    return data


def caveats(card: dict) -> list[str]:
    """What a model's card says it was not checked against: a model trained on none of its users' labelled data
    (no --data file, no moderators' verdicts) has been measured only on text this project wrote."""
    if card.get("data", {}).get("user_files") or card.get("feedback"):
        return []
    return ["trained only on the project's own written examples, with no labelled real traffic: measure it on your "
            "own labelled messages (adrisk evaluate FILE) before relying on its bands"]


def load_card(model_dir: Path) -> dict:
    """The model card of model_dir."""
    path = Path(model_dir) / CARD_FILE
    if not path.exists():
        raise ModelError(f"no model in {model_dir}: run `make train` (or `adrisk train`) first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"unreadable model card {path}: {e}") from None


def load_model(model_dir: Path | None = None):
    """Load (pipeline, card) after checking the checksum and that every stored type is allow-listed."""
    import skops.io as sio
    import sklearn

    model_dir = Path(model_dir) if model_dir else default_model_dir()
    card = load_card(model_dir)
    path = model_dir / MODEL_FILE
    try:
        data = path.read_bytes()
    except OSError:
        raise ModelError(f"no model in {model_dir}: run `make train` (or `adrisk train`) first") from None
    if hashlib.sha256(data).hexdigest() != card.get("sha256"):
        raise ModelError(f"refusing {path}: its SHA-256 does not match the model card (tampered or foreign file)")
    try:
        unknown = set(sio.get_untrusted_types(data=data)) - ALLOWED_TYPES
    except Exception as e:  # a file that is not a skops archive at all
        raise ModelError(f"refusing {path}: not a skops model ({type(e).__name__})") from None
    if unknown:
        raise ModelError(f"refusing {path}: it holds types outside the allow-list: {', '.join(sorted(unknown))}")
    trained_with = card.get("versions", {}).get("scikit-learn")
    if trained_with and trained_with != sklearn.__version__:
        warnings.warn(f"model trained with scikit-learn {trained_with}, running {sklearn.__version__}; "
                      "retrain with `adrisk train` if scores look wrong", stacklevel=2)
    try:
        pipeline = sio.loads(data, trusted=sorted(ALLOWED_TYPES))
    except Exception as e:
        raise ModelError(f"refusing {path}: could not load ({type(e).__name__}: {e})") from None
    return pipeline, card
