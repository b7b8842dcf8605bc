"""Admin of the outreach app."""
