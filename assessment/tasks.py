"""Celery tasks of the assessment app."""
