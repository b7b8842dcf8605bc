"""The phone edge: Twilio webhooks, calls, intakes, SMS backends, IVR."""
