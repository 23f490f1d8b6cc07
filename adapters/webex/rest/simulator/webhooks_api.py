"""``/v1/webhooks`` handlers: list, create, get, update, delete.

Create answers 200 (not 201) with the webhook, its ``secret`` included, as
Cisco's example shows; list answers ``{"items": [...]}`` with ``max`` default
100 and ``ownedBy`` as a filter; a webhook someone else created is not there
(404); delete answers 204.
"""

from __future__ import annotations

from aiohttp import web

from .meetings_api import SITE_KEY, grant_of, json_body
from .paging import page

__all__ = ["add_webhook_routes"]


async def list_webhooks(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    hooks = site.webhooks.listed(grant_of(request), request.query.get("ownedBy"))
    chosen, headers = page(request, [site.webhooks.json(h) for h in hooks], default=100)
    return web.json_response({"items": chosen}, headers=headers)


async def create_webhook(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    hook = site.webhooks.create(grant_of(request), await json_body(request))
    return web.json_response(site.webhooks.json(hook))


async def get_webhook(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    hook = site.webhooks.visible(grant_of(request), request.match_info["webhook_id"])
    return web.json_response(site.webhooks.json(hook))


async def update_webhook(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    hook = site.webhooks.visible(grant_of(request), request.match_info["webhook_id"])
    site.webhooks.update(hook, await json_body(request))
    return web.json_response(site.webhooks.json(hook))


async def delete_webhook(request: web.Request) -> web.Response:
    site = request.app[SITE_KEY]
    hook = site.webhooks.visible(grant_of(request), request.match_info["webhook_id"])
    site.webhooks.delete(hook)
    return web.Response(status=204)


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_get("/v1/webhooks", list_webhooks)
    app.router.add_post("/v1/webhooks", create_webhook)
    app.router.add_get("/v1/webhooks/{webhook_id}", get_webhook)
    app.router.add_put("/v1/webhooks/{webhook_id}", update_webhook)
    app.router.add_delete("/v1/webhooks/{webhook_id}", delete_webhook)
