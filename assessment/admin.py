"""Admin of the assessment app."""
