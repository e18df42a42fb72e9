"""notification preferences and the outgoing e-mail queue

Revision ID: e6a1c9d4b7f2
Revises: e7a3c19d5b42
Create Date: 2026-12-07 15:40:00

"""
from alembic import op
import sqlalchemy as sa
import drafting.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'e6a1c9d4b7f2'
down_revision = 'e7a3c19d5b42'
branch_labels = None
depends_on = None


def upgrade():
    # Three new tables; nothing existing is rebuilt (so no search trigger is touched).
    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )
    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_outgoing_mail_notification_id_notifications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outgoing_mail_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail'))
    )
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_mail_pending', ['outcome', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_mail_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_mail_user_id'), ['user_id'], unique=False)


def downgrade():
    # Loses the delivery choices (everyone back to "in the app only") and any unsent e-mail.
    op.drop_table('outgoing_mail')
    op.drop_table('notification_preferences')
    op.drop_table('notification_settings')
