"""Services of the outreach app."""
