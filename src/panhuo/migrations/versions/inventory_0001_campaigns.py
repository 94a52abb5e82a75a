"""inventory: campaigns, items, review comments, library publications

Revision ID: inventory_0001
Revises: accounts_0001
Create Date: 2026-11-21 06:47:32.069321
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401
from sqlalchemy.dialects import postgresql

revision = 'inventory_0001'
down_revision = 'accounts_0001'
branch_labels = ('inventory',)
depends_on = None


def upgrade() -> None:
    op.create_table('inventory_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_inventory_campaigns_institution_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_campaigns'))
    )
    with op.batch_alter_table('inventory_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_campaigns_institution_id'), ['institution_id'], unique=False)

    op.create_table('inventory_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('inventor_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assessment', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['inventory_campaigns.id'], name=op.f('fk_inventory_items_campaign_id_inventory_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['organisations.id'], name=op.f('fk_inventory_items_department_id_organisations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_inventory_items_institution_id_organisations')),
    sa.ForeignKeyConstraint(['inventor_user_id'], ['users.id'], name=op.f('fk_inventory_items_inventor_user_id_users')),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], name=op.f('fk_inventory_items_patent_id_patents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_items')),
    sa.UniqueConstraint('campaign_id', 'patent_id', name='uq_inventory_items_campaign_patent')
    )
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_items_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_items_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_items_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_items_inventor_user_id'), ['inventor_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_items_patent_id'), ['patent_id'], unique=False)

    op.create_table('library_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patent_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('open_licence', sa.Boolean(), nullable=False),
    sa.Column('asking_price', sa.Double(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=100), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_library_publications_institution_id_organisations')),
    sa.ForeignKeyConstraint(['patent_id'], ['patents.id'], name=op.f('fk_library_publications_patent_id_patents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_publications')),
    sa.UniqueConstraint('patent_id', name=op.f('uq_library_publications_patent_id'))
    )
    with op.batch_alter_table('library_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_publications_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_library_publications_withdrawn_at'), ['withdrawn_at'], unique=False)

    op.create_table('inventory_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['inventory_items.id'], name=op.f('fk_inventory_comments_item_id_inventory_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_comments'))
    )
    with op.batch_alter_table('inventory_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_comments_item_id'), ['item_id'], unique=False)





def downgrade() -> None:
    with op.batch_alter_table('inventory_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_comments_item_id'))

    op.drop_table('inventory_comments')
    with op.batch_alter_table('library_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_publications_withdrawn_at'))
        batch_op.drop_index(batch_op.f('ix_library_publications_institution_id'))

    op.drop_table('library_publications')
    with op.batch_alter_table('inventory_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_items_patent_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_items_inventor_user_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_items_institution_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_items_department_id'))
        batch_op.drop_index('ix_inventory_items_campaign_status')

    op.drop_table('inventory_items')
    with op.batch_alter_table('inventory_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_campaigns_institution_id'))

    op.drop_table('inventory_campaigns')
