"""Forms of the dispatch app."""
