"""``GET /v1/people/me``: the person a token speaks for.

Shaped like Cisco's Person object (``id``, ``emails``, ``displayName``,
``orgId``, ``type``, ``created``); an org full admin's answer lists the
full-administrator role in ``roles`` (ids like every Webex id: the base64 of
``ciscospark://us/ROLE/<name>``), a user's lists none.
"""

from __future__ import annotations

from aiohttp import web

from .meetings_api import SITE_KEY, grant_of
from .records import cisco_id

__all__ = ["FULL_ADMIN_ROLE", "add_people_routes"]

FULL_ADMIN_ROLE = cisco_id("ROLE", "id_full_admin")


async def me(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    grant = grant_of(request)
    person = site.person(grant.email)
    return web.json_response(
        {
            "id": person.person_id,
            "emails": [person.email],
            "displayName": person.display_name,
            "orgId": cisco_id("ORGANIZATION", site.org_uuid),
            "roles": [FULL_ADMIN_ROLE] if grant.admin else [],
            "type": "person",
        }
    )


def add_people_routes(app: web.Application) -> None:
    app.router.add_get("/v1/people/me", me)
