"""Selectors of the dispatch app."""
