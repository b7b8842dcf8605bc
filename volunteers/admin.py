"""Admin of the volunteers app."""
