"""Services of the hotline app."""
