"""A small, believable site to demo and test against."""

from __future__ import annotations

from datetime import timedelta

from .clock import SimClock
from .site import SimulatedSite

__all__ = ["bulk_site", "example_site"]

#: Meeting type IDs of the example site; 169 supports private meetings.
PRO_TYPE = 3
PRIVATE_TYPE = 169


def example_site(
    clock: SimClock | None = None,
    admin_id: str = "admin",
    admin_password: str = "admin-pass",
    site_name: str = "acme",
) -> SimulatedSite:
    """A seeded site: an admin, three hosts, two meeting types, meetings ahead.

    Hosts ``alice``, ``bob`` and ``chen`` (passwords ``<id>-pass``, emails
    ``<id>@acme.example``; alice also has access token ``alice-token``). Meeting
    types 3 "PRO" and 169 "PRIVATE" (supports private meetings). Meetings over
    the next three days from the clock's now, including a private one and one
    scheduled personal room (Chen's). Nothing is in progress.
    """
    site = SimulatedSite(site_name=site_name, clock=clock)
    site.add_user(
        admin_id,
        admin_password,
        email=f"{admin_id}@{site_name}.example",
        first_name="Site",
        last_name="Admin",
        admin=True,
    )
    for webex_id, first, last in (
        ("alice", "Alice", "Archer"),
        ("bob", "Bob", "Baker"),
        ("chen", "Chen", "Wei"),
    ):
        site.add_user(
            webex_id,
            f"{webex_id}-pass",
            email=f"{webex_id}@{site_name}.example",
            first_name=first,
            last_name=last,
            access_token=f"{webex_id}-token" if webex_id == "alice" else None,
        )
    site.add_meeting_type(PRO_TYPE, "PRO")
    site.add_meeting_type(PRIVATE_TYPE, "PRIVATE", supports_private=True)
    # Whole hours ahead keep the listing stable and easy to read.
    base = site.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    plan = (
        ("alice", "Weekly sync", 0, 30, 4, PRO_TYPE, (), False),
        ("alice", "Design review", 3, 60, 4, PRO_TYPE, ("bob",), False),
        ("bob", "1:1 Bob / Chen", 5, 30, 7, PRIVATE_TYPE, ("chen",), False),
        ("bob", "Release planning", 26, 90, 7, PRO_TYPE, (), False),
        ("chen", "Chen's Personal Room", 28, 60, 45, PRO_TYPE, (), True),
        ("chen", "Customer demo", 50, 45, 45, PRO_TYPE, ("alice@acme.example",), False),
    )
    for host, title, hours, minutes, zone_id, type_id, invited, pmr in plan:
        site.schedule(
            host=host,
            title=title,
            start=base + timedelta(hours=hours),
            duration_minutes=minutes,
            time_zone_id=zone_id,
            personal_room=pmr,
            password=site.generate_password(),
            meeting_type_id=type_id,
            invited=invited,
        )
    return site


def bulk_site(
    site: SimulatedSite, *, sessions: int, hosts: int = 50, live: int = 0, title: str = "Meeting"
) -> SimulatedSite:
    """Add ``hosts`` hosts (``host<N>``, password ``pw``) and ``sessions`` sessions
    to ``site``, as a large site looks; returns ``site``.

    ``live`` of them are in progress, started within the last hour (every
    second one with its host in, two in three with attendees). The rest spread
    evenly over a day back to a week ahead, none within 40 minutes of now, so
    that what a bench starts is its own doing. Titles are ``<title> <N>``.
    GetSessionInfo is not rate limited on such a site.

    Raises:
        ValueError: fewer than one host, or more live sessions than sessions.
    """
    if hosts < 1 or not 0 <= live <= sessions:
        raise ValueError("a bulk site needs a host, and no more live sessions than sessions")
    site.sessioninfo_hourly_limit = 10**9
    for h in range(hosts):
        site.add_user(f"host{h}", "pw", email=f"host{h}@{site.site_name}.example")
    now = site.clock.now().replace(microsecond=0)
    for i in range(live):
        key = site.schedule(
            host=f"host{i % hosts}",
            title=f"Live {i}",
            start=now - timedelta(minutes=1 + i % 55),
            duration_minutes=120,
        )
        site.start(key)
        if i % 2:
            site.host_joins(key)
        if i % 3:
            site.attendee_joins(key)
    span = int(timedelta(days=7, hours=20).total_seconds())
    for i in range(sessions - live):
        offset = timedelta(hours=-23) + timedelta(seconds=(i * 7919) % span)
        if timedelta(minutes=-1) < offset < timedelta(minutes=40):
            offset += timedelta(hours=2)
        site.schedule(
            host=f"host{i % hosts}", title=f"{title} {i}", start=now + offset, duration_minutes=30
        )
    return site
