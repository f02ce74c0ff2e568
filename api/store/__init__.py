"""The review store: queued items, moderators' verdicts and the audit trail, in SQLite or Postgres."""
from .engine import make_engine, migrate, redact
from .store import BadCursor, NotFound, NoVerdict, Store, TrainingRow, sha256, training_label

__all__ = ["BadCursor", "NotFound", "NoVerdict", "Store", "TrainingRow", "make_engine", "migrate", "redact", "sha256",
           "training_label"]
