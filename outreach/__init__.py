"""Surveys, focus groups, events, the partner directory and leads."""
