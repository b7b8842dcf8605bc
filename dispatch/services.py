"""Services of the dispatch app."""
