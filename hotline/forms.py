"""Forms of the hotline app."""
