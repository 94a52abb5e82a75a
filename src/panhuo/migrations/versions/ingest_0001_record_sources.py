"""ingest: record sources (compact field provenance of imports)

Revision ID: ingest_0001
Revises: core_0001
Create Date: 2026-11-21 07:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'ingest_0001'
down_revision = 'core_0001'
branch_labels = ('ingest',)
depends_on = None


def upgrade() -> None:
    op.create_table('record_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.Column('source_format', sa.String(length=40), nullable=True),
    sa.Column('fields_mask', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_jobs.id'], name=op.f('fk_record_sources_import_id_import_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], name=op.f('fk_record_sources_patent_id_patents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_sources'))
    )
    with op.batch_alter_table('record_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_sources_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_sources_patent_id'), ['patent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('record_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_sources_patent_id'))
        batch_op.drop_index(batch_op.f('ix_record_sources_import_id'))
    op.drop_table('record_sources')
