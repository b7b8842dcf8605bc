"""Forms of the volunteers app."""
