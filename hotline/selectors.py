"""Selectors of the hotline app."""
