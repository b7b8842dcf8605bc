"""Services of the assessment app."""
