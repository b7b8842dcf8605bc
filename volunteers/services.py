"""Services of the volunteers app."""
