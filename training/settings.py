"""Training settings. The defaults were chosen by measuring on the real dev set; the model card records them."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Settings:
    """Every knob of a training run."""

    word_ngram: tuple[int, int] = (1, 2)
    char_ngram: tuple[int, int] = (2, 5)
    min_df: int = 2
    max_df: float = 1.0
    sublinear_tf: bool = True
    max_features: int = 300_000
    dense_weight: float = 1.0
    C: float = 30.0
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    generated_per_label: int = 250
    # share of positives expected in real traffic; the calibration is shifted to it
    target_prevalence: float | None = 0.12
    # risk bands on the calibrated score
    medium: float = 0.3
    high: float = 0.7
    seed: int = 13

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
