"""Views of the outreach app."""
