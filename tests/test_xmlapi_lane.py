"""The request lane: one turn at a time, urgent turns first, background turns
held back by an open urgent scope. Order only, never time."""

import asyncio

import pytest

from adapters.webex.xmlapi.lane import Lane


async def _take(lane: Lane, name: str, order: list[str], *, background: bool) -> None:
    async with lane.turn(background=background):
        order.append(name)
        await asyncio.sleep(0)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_urgent_turn_overtakes_background_turns_queued_before_it() -> None:
    lane, order = Lane(), list[str]()
    async with lane.turn(background=True):  # the page in flight
        waiting = [
            asyncio.create_task(_take(lane, "page2", order, background=True)),
            asyncio.create_task(_take(lane, "page3", order, background=True)),
        ]
        await _settle()
        waiting.append(asyncio.create_task(_take(lane, "live", order, background=False)))
        await _settle()
        assert lane.waiting == (1, 2)
        assert order == []
    await asyncio.gather(*waiting)
    assert order == ["live", "page2", "page3"]


async def test_one_turn_at_a_time_and_fifo_within_a_kind() -> None:
    lane, order = Lane(), list[str]()
    inside = 0
    most = 0

    async def take(name: str, background: bool) -> None:
        nonlocal inside, most
        async with lane.turn(background=background):
            inside += 1
            most = max(most, inside)
            order.append(name)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(take(f"b{i}", True) for i in range(3)), take("u0", False))
    assert most == 1
    assert [n for n in order if n.startswith("b")] == ["b0", "b1", "b2"]


async def test_an_open_urgent_scope_holds_background_turns_between_its_requests() -> None:
    lane, order = Lane(), list[str]()
    async with lane.urgent():
        page = asyncio.create_task(_take(lane, "page", order, background=True))
        await _settle()
        assert not page.done()  # the lane is free, but a live poll is running
        await _take(lane, "listing", order, background=False)
        await _settle()  # work between the poll's requests: the page still waits
        await _take(lane, "session info", order, background=False)
    await page
    assert order == ["listing", "session info", "page"]


async def test_a_cancelled_waiter_neither_holds_nor_loses_the_lane() -> None:
    lane, order = Lane(), list[str]()
    async with lane.turn():
        gone = asyncio.create_task(_take(lane, "gone", order, background=False))
        kept = asyncio.create_task(_take(lane, "kept", order, background=True))
        await _settle()
        gone.cancel()
        await _settle()
    with pytest.raises(asyncio.CancelledError):
        await gone
    await kept
    assert order == ["kept"]
    assert not lane.busy


async def test_a_turn_granted_to_a_task_cancelled_meanwhile_passes_on() -> None:
    lane, order = Lane(), list[str]()
    holder = lane.turn()
    await holder.__aenter__()
    first = asyncio.create_task(_take(lane, "first", order, background=False))
    second = asyncio.create_task(_take(lane, "second", order, background=False))
    await _settle()
    await holder.__aexit__(None, None, None)  # grants "first" ...
    first.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert order == ["second"]
    assert not lane.busy


async def test_a_waiter_cancelled_and_passed_over_before_it_runs_leaves_cleanly() -> None:
    lane, order = Lane(), list[str]()
    holder = lane.turn()
    await holder.__aenter__()
    gone = asyncio.create_task(_take(lane, "gone", order, background=True))
    kept = asyncio.create_task(_take(lane, "kept", order, background=True))
    await _settle()
    gone.cancel()  # its waiter is cancelled now; the task has not run since
    await holder.__aexit__(None, None, None)  # the grant passes over that waiter
    with pytest.raises(asyncio.CancelledError):
        await gone
    await kept
    assert order == ["kept"]
    assert not lane.busy
