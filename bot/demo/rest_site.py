"""The demo script's site, played on the REST simulator (``WEBEX_API=rest``).

:class:`RestDemoSite` is :class:`bot.demo.script.DemoSite` over
:class:`adapters.webex.rest.simulator.RestSite`: the same script, the same
hosts (``<id>@acme.example``), with a meeting's key the series id. What the
REST API cannot show is played as nothing: locking (the REST API has no lock
state), a meeting type, a Personal Room (a plain meeting here). A private
meeting scheduled on the site itself is ``publicMeeting: false``, which says
nothing: only meetings meetbot creates private are private to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.webex.rest.simulator import RestSite
from adapters.webex.rest.simulator.records import Person

__all__ = ["DEMO_DOMAIN", "RestDemoSite", "demo_email"]

#: The demo hosts' mail domain (the XML demo's ``<site>.example``).
DEMO_DOMAIN = "acme.example"


def demo_email(webex_id: str) -> str:
    """A demo host's email, e.g. ``carol@acme.example``."""
    return f"{webex_id}@{DEMO_DOMAIN}"


class RestDemoSite:
    """The script's view of a REST site (see the module docstring)."""

    def __init__(self, site: RestSite) -> None:
        self._site = site
        self._guests: dict[str, list[str]] = {}
        self._joined = 0

    @property
    def site_name(self) -> str:
        return "acme"

    def user(self, webex_id: str) -> Person | None:
        try:
            return self._site.person(demo_email(webex_id))
        except KeyError:
            return None

    def add_user(
        self, webex_id: str, password: str, *, email: str, first_name: str, last_name: str
    ) -> Person:
        return self._site.add_person(email, f"{first_name} {last_name}")

    def schedule(
        self,
        *,
        host: str,
        title: str,
        start: datetime,
        duration_minutes: int,
        time_zone: str,
        private: bool,
        personal_room: bool,
        meeting_type_id: int | None,
    ) -> str:
        series = self._site.create(
            self._site.person(demo_email(host)),
            title=title,
            start=start,
            end=start + timedelta(minutes=duration_minutes),
            timezone=time_zone,
        )
        return series.id

    def reschedule(self, key: str, *, start: datetime, duration_minutes: int) -> None:
        self._site.update(key, start=start, end=start + timedelta(minutes=duration_minutes))

    def start(self, key: str) -> None:
        self._site.start(key)

    def host_joins(self, key: str) -> None:
        self._site.host_joins(key)

    def host_leaves(self, key: str) -> None:
        series, _, _ = self._site.find(key)
        self._site.leave(key, series.host.email)

    def attendee_joins(self, key: str, count: int) -> None:
        for _ in range(count):
            self._joined += 1
            email = f"guest{self._joined}@guests.example"
            self._site.add_person(email, f"Guest {self._joined}")
            self._site.join(key, email)
            self._guests.setdefault(key, []).append(email)

    def attendee_leaves(self, key: str, count: int) -> None:
        guests = self._guests.get(key, [])
        for _ in range(min(count, len(guests))):
            self._site.leave(key, guests.pop())

    def lock(self, key: str) -> None:
        """The REST API shows no lock state: nothing to play."""

    def unlock(self, key: str) -> None:
        """The REST API shows no lock state: nothing to play."""

    def end(self, key: str) -> None:
        self._site.end(key)

    def delete(self, key: str) -> None:
        self._site.delete(key)
