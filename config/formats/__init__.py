"""One way to write dates and times per language (settings.FORMAT_MODULE_PATH).

Templates name the format (`|date:"DATETIME_FORMAT"`, `"DATE_FORMAT"`, `"TIME_FORMAT"`) instead
of spelling a pattern, so a moment reads the same on every page. The short formats are the same
as the long ones on purpose: Django's own short formats differ by locale in ways that made one
moment read three ways ("12/04/2026 10:58 p.m.", "2026-12-04 22:58", "2026-12-4").
"""
