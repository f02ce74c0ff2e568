"""The review store: queued items, moderators' verdicts and the audit trail, in SQLite or Postgres."""
from .engine import make_engine, migrate, redact
from .store import BadCursor, NotFound, Store, TrainingRow, sha256, training_label

__all__ = ["BadCursor", "NotFound", "Store", "TrainingRow", "make_engine", "migrate", "redact", "sha256",
           "training_label"]
