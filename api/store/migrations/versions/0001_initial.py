"""The first schema: items, verdicts, audit.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import op

from api.store.models import Json, Key, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("queued_by", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("text_chars", sa.Integer, nullable=False),
        sa.Column("features", Json, nullable=True),
        sa.Column("vocabulary", sa.String(32), nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("risk", sa.String(8), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("probabilities", Json, nullable=False),
        sa.Column("reasons", Json, nullable=False),
        sa.Column("flags", Json, nullable=False),
        sa.Column("indicators", Json, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("current_verdict_id", Key, nullable=True),
    )
    op.create_index("ix_items_text_sha256", "items", ["text_sha256"])
    op.create_index("ix_items_queue", "items", ["status", "score", "id"])
    op.create_table(
        "verdicts",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("item_id", Key, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("moderator", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("retracted_at", UTCDateTime, nullable=True),
        sa.Column("retracted_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_verdicts_item_id", "verdicts", ["item_id"])
    op.create_table(
        "audit",
        sa.Column("id", Key, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item_id", Key, nullable=True),
        sa.Column("verdict_id", Key, nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("detail", Json, nullable=False),
    )
    op.create_index("ix_audit_item_id", "audit", ["item_id"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("verdicts")
    op.drop_table("items")
