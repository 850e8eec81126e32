"""analytics facts per conversation, and quality reviews

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import deskpilot.db._types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIME = deskpilot.db._types.UTCDateTime(timezone=True)

# Conversations from before this revision get a facts row with what can be known
# portably: who handled them (from the handoffs), their rating and topic.
_BACKFILL = """
INSERT INTO conversation_facts (conversation_id, customer_id, started_at, ended_at,
    language, market, channel, intent, handled_by, csat_score, repeat_contact)
SELECT c.id, c.customer_id, c.started_at, c.ended_at, c.language, cu.country, c.channel,
    c.last_intent,
    CASE WHEN c.ended_at IS NULL THEN NULL
         WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id
                      AND h.claimed_by IS NOT NULL) THEN 'human'
         WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)
              THEN 'unattended'
         ELSE 'assistant' END,
    c.csat_score, false
FROM conversations c JOIN customers cu ON cu.id = c.customer_id
"""


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_order", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("first_response_seconds", sa.Float(), nullable=True))
    op.create_table(
        "conversation_facts",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=True),
        sa.Column("topic_order", sa.String(length=20), nullable=True),
        sa.Column("handled_by", sa.String(length=12), nullable=True),
        sa.Column("handoff_at", _TIME, nullable=True),
        sa.Column("first_handoff_reason", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", _TIME, nullable=True),
        sa.Column("first_response_seconds", sa.Float(), nullable=True),
        sa.Column("human_first_response_seconds", sa.Float(), nullable=True),
        sa.Column("resolution_seconds", sa.Float(), nullable=True),
        sa.Column("handling_seconds", sa.Float(), nullable=True),
        sa.Column("csat_score", sa.Integer(), nullable=True),
        sa.Column("repeat_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("review_status", sa.String(length=12), nullable=True),
        sa.Column("review_priority", sa.Float(), nullable=True),
        sa.Column("review_flags", sa.JSON(), nullable=True),
        sa.Column("llm_tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("llm_cost", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_facts_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_facts")),
    )
    op.create_index("ix_conversation_facts_started_at", "conversation_facts", ["started_at"])
    op.create_index(
        "ix_conversation_facts_customer_ended", "conversation_facts", ["customer_id", "ended_at"]
    )
    op.create_index(
        "ix_conversation_facts_review", "conversation_facts", ["review_status", "review_priority"]
    )
    op.execute(_BACKFILL)
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("handled_by", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_reviews_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["agents.id"], name=op.f("fk_reviews_reviewer_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_reviews_conversation_id")),
    )


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_index("ix_conversation_facts_review", table_name="conversation_facts")
    op.drop_index("ix_conversation_facts_customer_ended", table_name="conversation_facts")
    op.drop_index("ix_conversation_facts_started_at", table_name="conversation_facts")
    op.drop_table("conversation_facts")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("first_response_seconds")
        batch_op.drop_column("topic_order")
