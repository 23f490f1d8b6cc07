"""The XML API's double: a stateful Webex Meetings site speaking the XML API over aiohttp.

Written from the protocol (Cisco's samples and the schemas), not from this
project's client, so that a misreading on one side shows up as a failing test.

Typical use::

    clock = SimClock(start=datetime(2026, 1, 5, 9, tzinfo=UTC), speed=0)
    site = example_site(clock=clock)
    app = create_app(site)          # XML at POST /WBXService/XMLService
    key = site.schedule(host="alice", title="Standup", start=clock.now() + timedelta(hours=1))
    site.start(key); site.host_joins(key)

``python -m adapters.webex.simulator --port 8080`` serves the example site.
"""

from .clock import SimClock
from .faults import Fault, Faults
from .records import MeetingTypeRecord, MeetingView, RecordedRequest, User
from .seed import example_site
from .server import XML_PATH, create_app
from .site import SimulatedSite

__all__ = [
    "XML_PATH",
    "Fault",
    "Faults",
    "MeetingTypeRecord",
    "MeetingView",
    "RecordedRequest",
    "SimClock",
    "SimulatedSite",
    "User",
    "create_app",
    "example_site",
]
