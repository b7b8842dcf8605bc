"""Forms of the assessment app."""
