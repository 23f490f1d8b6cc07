"""A stateful Webex organisation speaking the Webex REST API over aiohttp.

Written from Cisco's documentation, samples and JSON schemas, not from this
project's REST client, so that a misreading on one side shows up as a failing
test. Typical use::

    clock = SimClock(start=datetime(2026, 1, 5, 9, tzinfo=UTC), speed=0)
    site = RestSite(clock)
    site.add_person("admin@acme.example", "Ada Admin")
    site.tokens.add("T", "admin@acme.example", admin=True)
    app = create_app(site)          # the API at /v1/, control at /control/
    series = site.create(site.add_person("alice@acme.example"), title="Standup", ...)
    site.lobby_join(series.id, "bob@acme.example"); site.host_joins(series.id)

``python -m adapters.webex.simulator --api rest --port 8080 --token T`` serves
an example organisation.
"""

from .faults import Fault, Faults
from .records import Event, Instance, Occurrence, Participant, Person, RecordedCall, Series
from .seed import example_org
from .server import API_ROOT, create_app
from .site import RestSite
from .tokens import ADMIN_SCOPES, USER_SCOPES, Grant, Tokens

__all__ = [
    "ADMIN_SCOPES",
    "API_ROOT",
    "USER_SCOPES",
    "Event",
    "Fault",
    "Faults",
    "Grant",
    "Instance",
    "Occurrence",
    "Participant",
    "Person",
    "RecordedCall",
    "RestSite",
    "Series",
    "Tokens",
    "create_app",
    "example_org",
]
