"""Celery tasks of the hotline app."""
