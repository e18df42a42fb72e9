"""Use cases. Each checks permission (policy), checks state, acts, audits, and flushes.

Services never commit and never read Flask's current_user: the caller passes the actor.
"""
