"""Celery tasks of the volunteers app."""
