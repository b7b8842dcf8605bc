"""Views of the hotline app."""
