"""Celery tasks of the outreach app."""
