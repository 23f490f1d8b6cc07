"""Notifying: outbox rows rendered as cards and replies and delivered to the chat,
once, gated on the chat accepting the bot's credentials."""
