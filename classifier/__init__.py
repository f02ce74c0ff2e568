"""adrisk core: normalize text, build features, load a model, score and explain. No web or CLI imports.

Scoring imports neither scikit-learn nor skops; `RiskFeatures` (the training-time transformer) loads them when
first used.
"""
from .artifact import ModelError, default_model_dir, load_model, save_model
from .categories import CATEGORIES, POSITIVE, risk_band
from .flags import FLAG_NAMES, find_flags
from .normalize import Normalized, normalize, normalize_text
from .scorer import Scorer

__all__ = [
    "CATEGORIES", "FLAG_NAMES", "POSITIVE", "Flag", "ModelError", "Normalized", "Reason", "Result", "RiskFeatures",
    "Scorer", "default_model_dir", "find_flags", "load_model", "normalize", "normalize_text", "risk_band",
    "save_model",
]


def __getattr__(name: str):
    """The result types (pydantic, imported on first use: a batch run builds plain records) and RiskFeatures
    (scikit-learn)."""
    if name in ("Flag", "Reason", "Result"):
        from . import result

        return getattr(result, name)
    if name == "RiskFeatures":
        from .features import RiskFeatures

        return RiskFeatures
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")
