"""core: index for the patent list (an institution's patents, newest filing first)

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-21 08:30:00
"""

from alembic import op

revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_patents_institution_filing', 'patents', ['institution_id', 'filing_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_patents_institution_filing', table_name='patents')
