"""ingest: drop ix_patent_parties_patent_id (uq_patent_parties_slot starts with patent_id and serves the same lookups)

Every imported patent writes ~5 patent_parties rows; one index fewer to update per row is ~10 % of the bulk
load's database time (see docs/ingest.md, bulk load).

Revision ID: ingest_0002
Revises: ingest_0001
Create Date: 2026-11-21 08:35:00
"""

from alembic import op

revision = 'ingest_0002'
down_revision = 'ingest_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('patent_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patent_parties_patent_id'))


def downgrade() -> None:
    with op.batch_alter_table('patent_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patent_parties_patent_id'), ['patent_id'], unique=False)
