"""Admin of the dispatch app."""
