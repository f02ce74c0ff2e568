"""adrisk core: normalize text, build features, load a model, score and explain. No web or CLI imports."""
from .artifact import ModelError, default_model_dir, load_model, save_model
from .features import RiskFeatures
from .flags import FLAG_NAMES, find_flags
from .normalize import Normalized, normalize, normalize_text
from .result import CATEGORIES, POSITIVE, Flag, Reason, Result, risk_band
from .scorer import Scorer

__all__ = [
    "CATEGORIES", "FLAG_NAMES", "POSITIVE", "Flag", "ModelError", "Normalized", "Reason", "Result", "RiskFeatures",
    "Scorer", "default_model_dir", "find_flags", "load_model", "normalize", "normalize_text", "risk_band",
    "save_model",
]
