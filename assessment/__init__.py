"""Pilot metrics, dashboards and the 911 calls-for-service analysis."""
