"""adrisk core: normalize text, build features, load a model, score and explain. No web or CLI imports.

Scoring imports neither scikit-learn nor skops; `RiskFeatures` (the training-time transformer) loads them when
first used.
"""
from .artifact import ModelError, default_model_dir, load_model, save_model
from .flags import FLAG_NAMES, find_flags
from .normalize import Normalized, normalize, normalize_text
from .result import CATEGORIES, POSITIVE, Flag, Reason, Result, risk_band
from .scorer import Scorer

__all__ = [
    "CATEGORIES", "FLAG_NAMES", "POSITIVE", "Flag", "ModelError", "Normalized", "Reason", "Result", "RiskFeatures",
    "Scorer", "default_model_dir", "find_flags", "load_model", "normalize", "normalize_text", "risk_band",
    "save_model",
]


def __getattr__(name: str):
    if name == "RiskFeatures":
        from .features import RiskFeatures

        return RiskFeatures
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")
