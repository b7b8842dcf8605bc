"""Selectors of the outreach app."""
