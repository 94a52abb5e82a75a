"""licensing: cancelled draft contracts (date, reason) and the reason an open licence was terminated

Revision ID: licensing_0002
Revises: licensing_0001
Create Date: 2026-11-21 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'licensing_0002'
down_revision = 'licensing_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('licensing_contracts', sa.Column('cancelled_on', sa.Date(), nullable=True))
    op.add_column('licensing_contracts', sa.Column('cancel_reason', sa.String(length=500), nullable=True))
    op.add_column('licensing_open_licences', sa.Column('termination_reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column('licensing_open_licences', 'termination_reason')
    op.drop_column('licensing_contracts', 'cancel_reason')
    op.drop_column('licensing_contracts', 'cancelled_on')
