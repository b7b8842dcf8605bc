"""Selectors of the volunteers app."""
