"""Running the programme: lessons learned (findings, recommendations, the continue/change/stop
decision beside the dashboard's figures) and the steering committee (members, meetings,
decisions linked to roadmap phases and readiness checks, action items)."""
