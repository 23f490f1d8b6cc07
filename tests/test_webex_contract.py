"""The contract of the port's commands half, :class:`~adapters.webex.port.WebexMeetings`,
run over every implementation (tests/webex_backends.py).

What the commands rely on, whichever backend answers: a meeting created reads
back as it was asked for, changes as asked, is gone once deleted; a key the
site does not know, a start in the past and refused credentials each raise
their own error of adapters/errors.py; the live state of a meeting follows
what happens in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.errors import CredentialsError, NotFoundError, StartInPastError
from adapters.webex.models import ExternalAttendeeSecurity, LiveState, MeetingRequest
from tests.webex_backends import BACKENDS, Backend

#: A key no site holds (the sites give theirs out from 800000000 up).
UNKNOWN = "100000001"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    async with BACKENDS[request.param]() as opened:
        yield opened


def _request(backend: Backend, **changes: object) -> MeetingRequest:
    start = backend.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    fields: dict[str, object] = {
        "title": "Planning",
        "start": start,
        "duration_minutes": 45,
        "host": backend.host,
    }
    fields.update(changes)
    return MeetingRequest(**fields)  # type: ignore[arg-type]


async def _created(backend: Backend, **changes: object) -> str:
    return (await backend.port.create_meeting(_request(backend, **changes))).meeting_key


# -- create, get, update, delete ---------------------------------------------------


async def test_a_created_meeting_reads_back_as_it_was_asked_for(backend: Backend) -> None:
    asked = _request(
        backend,
        zone=BERLIN,
        password="Pl4nning!",
        auto_lock_minutes=10,
        external_attendee_security=ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY,
    )
    created = await backend.port.create_meeting(asked)
    assert created.meeting_key
    assert created.password == "Pl4nning!"
    details = await backend.port.get_meeting(created.meeting_key)
    assert details.meeting_key == created.meeting_key
    assert (details.title, details.start, details.duration_minutes) == ("Planning", asked.start, 45)
    assert details.zone is not None
    assert (
        details.start.astimezone(details.zone).utcoffset()
        == asked.start.astimezone(BERLIN).utcoffset()
    )
    assert details.host.casefold() == backend.host.casefold()
    assert details.auto_lock and details.auto_lock_minutes == 10
    assert details.external_attendee_security is ExternalAttendeeSecurity.ALLOW_JOIN_WITH_LOBBY
    assert details.is_private is False


async def test_a_meeting_created_without_a_password_gets_one_and_a_link(backend: Backend) -> None:
    created = await backend.port.create_meeting(_request(backend))
    assert created.password
    details = await backend.port.get_meeting(created.meeting_key)
    assert details.join_url is not None and details.join_url.startswith("https://")
    state = await backend.port.live_state(created.meeting_key)
    assert state.join_url is None or state.join_url.startswith("https://")


async def test_each_created_meeting_has_its_own_key(backend: Backend) -> None:
    assert await _created(backend) != await _created(backend)


async def test_a_private_meeting_is_private(backend: Backend) -> None:
    assert (await backend.port.capabilities()).private_meetings is not False
    key = await _created(backend, private=True)
    assert (await backend.port.get_meeting(key)).is_private
    assert (await backend.port.live_state(key)).private is True


async def test_an_update_replaces_the_schedule(backend: Backend) -> None:
    key = await _created(backend)
    later = _request(backend).start + timedelta(days=1, hours=3)
    changed = _request(backend, title="Planning, moved", start=later, duration_minutes=30)
    await backend.port.update_meeting(key, changed)
    details = await backend.port.get_meeting(key)
    assert (details.title, details.start, details.duration_minutes) == (
        "Planning, moved",
        later,
        30,
    )


async def test_a_deleted_meeting_is_gone(backend: Backend) -> None:
    key = await _created(backend)
    await backend.port.delete_meeting(key)
    with pytest.raises(NotFoundError):
        await backend.port.get_meeting(key)
    with pytest.raises(NotFoundError):
        await backend.port.live_state(key)
    with pytest.raises(NotFoundError):
        await backend.port.delete_meeting(key)


async def test_a_key_the_site_does_not_know_is_not_found(backend: Backend) -> None:
    with pytest.raises(NotFoundError):
        await backend.port.get_meeting(UNKNOWN)
    with pytest.raises(NotFoundError):
        await backend.port.update_meeting(UNKNOWN, _request(backend))
    with pytest.raises(NotFoundError):
        await backend.port.delete_meeting(UNKNOWN)
    with pytest.raises(NotFoundError):
        await backend.port.live_state(UNKNOWN)


async def test_a_start_in_the_past_is_refused(backend: Backend) -> None:
    past = backend.now() - timedelta(hours=1)
    with pytest.raises(StartInPastError):
        await backend.port.create_meeting(_request(backend, start=past))
    key = await _created(backend)
    with pytest.raises(StartInPastError):
        await backend.port.update_meeting(key, _request(backend, start=past))
    assert (await backend.port.get_meeting(key)).start == _request(backend).start


async def test_refused_credentials_fail_every_command(backend: Backend) -> None:
    key = await _created(backend)
    async with backend.refused() as refused:
        with pytest.raises(CredentialsError):
            await refused.create_meeting(_request(backend))
        with pytest.raises(CredentialsError):
            await refused.update_meeting(key, _request(backend, title="Taken over"))
        with pytest.raises(CredentialsError):
            await refused.get_meeting(key)
        with pytest.raises(CredentialsError):
            await refused.live_state(key)
        with pytest.raises(CredentialsError):
            await refused.delete_meeting(key)
    assert (await backend.port.get_meeting(key)).title == "Planning"


# -- the live state of one meeting ------------------------------------------------


async def test_a_scheduled_meeting_is_not_in_progress(backend: Backend) -> None:
    key = await _created(backend)
    state = await backend.port.live_state(key)
    assert state.meeting_key == key
    assert not state.in_progress and state.attendees_waiting is False
    assert state.title == "Planning"
    assert state.private is False


async def test_the_live_state_follows_the_meeting(backend: Backend) -> None:
    key = await _created(backend)

    backend.site.attendee_joins(key)
    waiting = await backend.port.live_state(key)
    assert waiting.in_progress
    assert (waiting.attendees_present, waiting.host_present) == (True, False)
    assert waiting.attendees_waiting is True

    backend.site.host_joins(key)
    if backend.locks:
        backend.site.lock(key)
    hosted = await backend.port.live_state(key)
    assert (hosted.host_present, hosted.attendees_waiting) == (True, False)
    assert hosted.locked is (True if backend.locks else None)

    backend.site.end(key)
    ended = await backend.port.live_state(key)
    assert not ended.in_progress and ended.attendees_waiting is False


async def test_the_live_state_of_each_meeting_is_its_own(backend: Backend) -> None:
    first = await _created(backend, title="One")
    second = await _created(backend, title="Two")
    backend.site.start(second)
    one, two = [await backend.port.live_state(key) for key in (first, second)]
    assert isinstance(one, LiveState) and isinstance(two, LiveState)
    assert (one.meeting_key, one.title, one.in_progress) == (first, "One", False)
    assert (two.meeting_key, two.title, two.in_progress) == (second, "Two", True)


# -- capabilities -----------------------------------------------------------------


async def test_the_capabilities_name_the_site(backend: Backend) -> None:
    capabilities = await backend.port.capabilities()
    assert capabilities.site_name == backend.site_name
    assert capabilities == await backend.port.capabilities()
