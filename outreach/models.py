"""Models of the outreach app."""
