"""Volunteers, roles, training, shifts and who is on shift now."""
