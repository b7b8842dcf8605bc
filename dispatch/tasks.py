"""Celery tasks of the dispatch app."""
