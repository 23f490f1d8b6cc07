"""The Webex REST API (``https://webexapis.com/v1/``) side of meetbot.

``simulator/`` is a site speaking that API on loopback, written from Cisco's
documentation and schemas; it imports nothing else from this package.
"""
