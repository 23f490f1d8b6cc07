"""The REST site simulator's refusals over loopback HTTP: tokens (401, expiry,
the rotating refresh grant), scopes (403), injected 429 and 5xx, pagination."""

from __future__ import annotations

from datetime import timedelta

from adapters.webex.rest.simulator import USER_SCOPES
from tests.restsim import ADMIN, ALICE, ALICE_TOKEN, new_site, running, samples, schedule

UNAUTHORIZED = "The request requires a valid access token set in the Authorization request header."


def _cisco_shaped(body: dict[str, object]) -> bool:
    """Keys and types as in Cisco's documented error bodies."""
    errors = body.get("errors")
    return (
        set(body) == {"message", "errors", "trackingId"}
        and isinstance(body["message"], str)
        and isinstance(errors, list)
        and all(isinstance(e, dict) and isinstance(e.get("description"), str) for e in errors)
        and isinstance(body["trackingId"], str)
    )


def test_the_documented_error_samples_have_the_shape_the_site_answers_with() -> None:
    for sample in samples()["error_body_examples"]:
        assert _cisco_shaped(sample["body"])


async def test_missing_unknown_and_expired_tokens_get_401() -> None:
    site = new_site()
    async with running(site) as api:
        for token, headers in ((None, {}), ("nope", {}), (None, {"Authorization": "Basic T"})):
            async with await api.call("GET", "meetings", token=token, headers=headers) as answer:
                body = await answer.json()
                assert answer.status == 401 and _cisco_shaped(body)
                assert body["message"] == UNAUTHORIZED
                assert answer.headers["Trackingid"] == body["trackingId"]
        await api.json("GET", "meetings", token=ALICE_TOKEN)
        site.tokens.expire(ALICE_TOKEN)
        expired = await api.json("GET", "meetings", token=ALICE_TOKEN, status=401)
        await api.json("GET", "meetings")  # the admin's token is untouched
    assert expired["errors"][0]["description"] == "The access token has expired."


async def test_a_token_lifetime_runs_on_the_site_clock() -> None:
    site = new_site()
    site.tokens.add("short", ALICE, lifetime=timedelta(hours=12))
    async with running(site) as api:
        site.clock.advance(timedelta(hours=11, minutes=59))
        await api.json("GET", "meetings", token="short")
        site.clock.advance(timedelta(minutes=1))
        await api.json("GET", "meetings", token="short", status=401)


async def test_a_missing_scope_is_403_naming_the_scope() -> None:
    site = new_site()
    series = schedule(site, ALICE, minutes_ahead=5)
    site.host_joins(series.id)
    site.tokens.add(
        "reader", ADMIN, admin=True, scopes=USER_SCOPES | {"meeting:admin_schedule_read"}
    )
    async with running(site) as api:
        listed = await api.json("GET", "meetings", params={"hostEmail": ALICE}, token="reader")
        refused = await api.json(
            "GET", "meetingParticipants", params={"meetingId": series.id}, token="reader",
            status=403,
        )  # fmt: skip
        write = await api.json("DELETE", f"meetings/{series.id}", token="reader", status=403)
    assert [m["id"] for m in listed["items"]] == [series.id]
    assert _cisco_shaped(refused) and "missing required scopes" in refused["message"]
    assert refused["errors"][0]["description"].endswith("meeting:admin_participants_read")
    assert write["errors"][0]["description"].endswith("meeting:admin_schedule_write")


async def test_refresh_grant_rotates_the_refresh_token() -> None:
    site = new_site()
    site.tokens.add_client("client-1", "s3cret")
    first = site.tokens.issue_refresh_token("client-1", ADMIN, admin=True)
    form = {
        "grant_type": "refresh_token",
        "client_id": "client-1",
        "client_secret": "s3cret",
        "refresh_token": first,
    }
    async with running(site) as api:
        granted = await api.json("POST", "access_token", data=form, token=None)
        await api.json("GET", "meetings", token=granted["access_token"])
        reused = await api.json("POST", "access_token", data=form, token=None, status=400)
        wrong = {**form, "refresh_token": granted["refresh_token"], "client_secret": "guess"}
        await api.json("POST", "access_token", data=wrong, token=None, status=401)
        again = await api.json("POST", "access_token", token=None,
                               data={**form, "refresh_token": granted["refresh_token"]})  # fmt: skip
        site.clock.advance(timedelta(seconds=granted["expires_in"]))
        await api.json("GET", "meetings", token=granted["access_token"], status=401)
        await api.json("GET", "meetings", token=again["access_token"], status=401)
        third = await api.json("POST", "access_token", token=None,
                               data={**form, "refresh_token": again["refresh_token"]})  # fmt: skip
        await api.json("GET", "meetings", token=third["access_token"])
    assert set(granted) >= {
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    }
    assert granted["refresh_token"] != first and again["refresh_token"] != granted["refresh_token"]
    assert isinstance(granted["expires_in"], int) and granted["expires_in"] > 0
    assert _cisco_shaped(reused)


async def test_an_injected_429_carries_retry_after_then_the_call_works() -> None:
    site = new_site()
    site.faults.inject("http429", path="/v1/meetings", times=2, retry_after=7)
    async with running(site) as api:
        for _ in range(2):
            async with await api.call("GET", "meetings") as answer:
                assert answer.status == 429 and answer.headers["Retry-After"] == "7"
        await api.json("GET", "meetings")
    assert site.faults.pending == 0


async def test_injected_5xx_match_path_and_method() -> None:
    site = new_site()
    site.faults.inject("http503", path="/v1/meetingParticipants")
    site.faults.inject("http500", method="POST")
    async with running(site) as api:
        await api.json("GET", "meetings")  # neither fault matches
        failed = await api.json("POST", "meetings", json={}, status=500)
        unavailable = await api.json("GET", "meetingParticipants", status=503)
        await api.json("GET", "meetingParticipants", status=400)  # the real answer again
    assert _cisco_shaped(failed) and _cisco_shaped(unavailable)
    assert [c.path for c in site.calls] == [
        "/v1/meetings", "/v1/meetings", "/v1/meetingParticipants", "/v1/meetingParticipants"
    ]  # fmt: skip


async def test_an_unknown_route_is_a_cisco_404() -> None:
    async with running(new_site()) as api:
        body = await api.json("GET", "rooms", status=404)
    assert _cisco_shaped(body)


async def test_pagination_follows_link_next_to_the_end() -> None:
    site = new_site()
    made = {schedule(site, ALICE, minutes_ahead=60 + i).id for i in range(25)}
    seen: list[str] = []
    pages = 0
    async with running(site) as api:
        url = api.base + "meetings?hostEmail=" + ALICE + "&max=10"
        while url:
            async with await api.call("GET", url) as answer:
                assert answer.status == 200
                body = await answer.json()
                seen += [m["id"] for m in body["items"]]
                pages += 1
                link = answer.links.get("next")
                url = str(link["url"]) if link else ""
                if url:
                    assert url.startswith(api.base) and "hostEmail=" in url
        default = await api.json("GET", "meetings", params={"hostEmail": ALICE})
        await api.json("GET", "meetings", params={"max": "0"}, status=400)
    assert pages == 3 and len(seen) == 25 and set(seen) == made
    assert len(default["items"]) == 10


async def test_max_is_clamped_to_100() -> None:
    site = new_site()
    for i in range(105):
        schedule(site, ALICE, minutes_ahead=60 + i)
    query = {"hostEmail": ALICE, "max": "500"}
    async with running(site) as api, await api.call("GET", "meetings", params=query) as answer:
        body = await answer.json()
        link = answer.headers["Link"]
    assert len(body["items"]) == 100 and 'rel="next"' in link
