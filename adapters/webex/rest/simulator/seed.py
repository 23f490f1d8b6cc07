"""An example organisation for the CLI and demos: an admin, three hosts and
guests, and a few meetings over the next days."""

from __future__ import annotations

from datetime import timedelta

from adapters.webex.simulator.xml.clock import SimClock

from .site import RestSite

__all__ = ["example_org"]

HOSTS = (
    ("alice@acme.example", "Alice Archer"),
    ("bob@acme.example", "Bob Baker"),
    ("carol@acme.example", "Carol Cooper"),
)


def example_org(
    *,
    clock: SimClock,
    token: str,
    admin_email: str = "admin@acme.example",
    site_url: str = "acme.webex.com",
    listing_lag: timedelta = timedelta(0),
) -> RestSite:
    """A site where ``Bearer <token>`` is ``admin_email``, an org full admin.

    Each host has a meeting later today or tomorrow, and Alice a daily standup
    (five occurrences), all starting on the hour.
    """
    site = RestSite(clock, site_url=site_url, listing_lag=listing_lag)
    site.add_person(admin_email, "Site Admin")
    site.tokens.add(token, admin_email, admin=True)
    hour = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    for offset, (email, name) in enumerate(HOSTS):
        host = site.add_person(email, name)
        start = hour + timedelta(hours=3 * offset)
        site.create(host, title=f"{name.split()[0]}'s review", start=start,
                    end=start + timedelta(minutes=45))  # fmt: skip
    site.create(
        site.person(HOSTS[0][0]),
        title="Daily standup",
        start=hour + timedelta(days=1),
        end=hour + timedelta(days=1, minutes=15),
        recurrence="FREQ=DAILY;INTERVAL=1;COUNT=5",
    )
    return site
