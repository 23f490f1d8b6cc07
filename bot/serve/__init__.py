"""Inbound HTTP and the Slack front end: ``/slack/events``, Socket Mode, health,
readiness and metrics."""
