"""library: patent industries (转化资源库 assignments) and reviewer overrides

Revision ID: library_0001
Revises: core_0001
Create Date: 2026-11-21 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "library_0001"
down_revision = "core_0001"
branch_labels = ("library",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patent_industries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patent_id"], ["patents.id"], name=op.f("fk_patent_industries_patent_id_patents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patent_industries")),
    )
    op.create_index("ix_patent_industries_patent_scheme", "patent_industries", ["patent_id", "scheme"], unique=False)
    op.create_index("ix_patent_industries_scheme_code", "patent_industries", ["scheme", "code"], unique=False)
    op.create_table(
        "library_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["patent_id"], ["patents.id"], name=op.f("fk_library_overrides_patent_id_patents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_overrides")),
    )
    op.create_index("ix_library_overrides_patent", "library_overrides", ["patent_id", "scheme"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_library_overrides_patent", table_name="library_overrides")
    op.drop_table("library_overrides")
    op.drop_index("ix_patent_industries_scheme_code", table_name="patent_industries")
    op.drop_index("ix_patent_industries_patent_scheme", table_name="patent_industries")
    op.drop_table("patent_industries")
