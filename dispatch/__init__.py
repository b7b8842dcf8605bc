"""The dispatcher console, screening protocol, triage, incidents and notifications."""
