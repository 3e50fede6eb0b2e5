"""sessions, sign-in links, customers' enquiries, rate counts

Revision ID: 0001
Revises:
Create Date: 2026-11-25 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('principal', sa.JSON(), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_sessions_expires_at', 'sessions', ['expires_at'])
    op.create_table(
        'sign_in_links',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('customer', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_sign_in_links_customer', 'sign_in_links', ['customer'])
    op.create_index('ix_sign_in_links_expires_at', 'sign_in_links', ['expires_at'])
    op.create_table(
        'customer_enquiries',
        sa.Column('customer', sa.String(length=80), nullable=False),
        sa.Column('enquiry_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('customer', 'enquiry_id'),
    )
    op.create_table(
        'rate_counts',
        sa.Column('bucket', sa.String(length=120), nullable=False),
        sa.Column('window_start', sa.BigInteger(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', 'window_start'),
    )


def downgrade() -> None:
    op.drop_table('rate_counts')
    op.drop_table('customer_enquiries')
    op.drop_index('ix_sign_in_links_expires_at', table_name='sign_in_links')
    op.drop_index('ix_sign_in_links_customer', table_name='sign_in_links')
    op.drop_table('sign_in_links')
    op.drop_index('ix_sessions_expires_at', table_name='sessions')
    op.drop_table('sessions')
