"""The few dense features beside the n-grams: red-flag indicators (when a model uses them) and disguise."""
from __future__ import annotations

from .flags import flag_vector

DISGUISE_NAMES: tuple[str, ...] = ("flag:obfuscation", "obfuscation_share")


def dense_features(norm: str, share: float, flags: tuple[str, ...] = ()) -> list[float]:
    """The named red-flag indicators given (in that order), an 'obfuscated' indicator and the share of
    disguised characters.

    >>> dense_features("пиши в лс", 0.05, ("dm_only",))
    [1.0, 1.0, 0.05]
    """
    return [*(flag_vector(norm, flags) if flags else []), 1.0 if share >= 0.02 else 0.0, share]
