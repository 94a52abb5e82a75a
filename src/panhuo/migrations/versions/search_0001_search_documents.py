"""search: per-patent keyphrases and content hash

Revision ID: search_0001
Revises: core_0001
Create Date: 2026-11-21 07:20:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision = 'search_0001'
down_revision = 'core_0001'
branch_labels = ('search',)
depends_on = None


def upgrade() -> None:
    op.create_table('search_documents',
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('analyzer_version', sa.Integer(), nullable=False),
    sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], name=op.f('fk_search_documents_patent_id_patents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patent_id', name=op.f('pk_search_documents'))
    )


def downgrade() -> None:
    op.drop_table('search_documents')
