"""Selectors of the assessment app."""
