"""The REST backend's part of the store contract (rules in state/rest_model.py),
over SQLite in memory and in a file and over PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from state.rest_model import INBOX_RETENTION, InboxItem, StoredTokens, token_origin
from state.store import Store, open_store

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ORIGIN = token_origin("configured-access", "configured-refresh")
BODY = '{"id":"WH1","resource":"meetings","event":"started","data":{"id":"m_I_1"}}'


@pytest.fixture(
    params=["sqlite-memory", "sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def rest_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return (
        "sqlite:///:memory:" if request.param == "sqlite-memory" else f"sqlite:///{tmp_path}/r.db"
    )


@pytest.fixture
async def store(rest_store_url: str) -> AsyncIterator[Store]:
    async with await open_store(rest_store_url) as opened:
        yield opened


def tokens(access: str, refresh: str | None, *, at: datetime = NOW) -> StoredTokens:
    return StoredTokens(
        access_token=access,
        expires_at=at + 12 * HOUR,
        refresh_token=refresh,
        refresh_expires_at=None if refresh is None else at + timedelta(days=90),
        origin=ORIGIN,
        saved_at=at,
    )


async def test_no_tokens_until_some_are_saved(store: Store) -> None:
    assert await store.rest_tokens() is None


async def test_the_newest_tokens_replace_the_earlier_ones(store: Store) -> None:
    await store.save_rest_tokens(tokens("access-1", "refresh-1"))
    newest = tokens("access-2", "refresh-2", at=NOW + HOUR)
    await store.save_rest_tokens(newest)
    assert await store.rest_tokens() == newest


async def test_tokens_without_refresh_or_expiry_round_trip(store: Store) -> None:
    bare = StoredTokens(access_token="only-access", origin=ORIGIN, saved_at=NOW)
    await store.save_rest_tokens(bare)
    assert await store.rest_tokens() == bare


@pytest.mark.parametrize("kind", ["sqlite-file", pytest.param("pg", marks=pytest.mark.postgres)])
async def test_tokens_outlive_a_restart(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path}/t.db"
        if kind == "sqlite-file"
        else request.getfixturevalue("postgres_url")
    )
    saved = tokens("access-3", "refresh-3")
    async with await open_store(url) as first:
        await first.save_rest_tokens(saved)
    async with await open_store(url) as second:
        assert await second.rest_tokens() == saved


def test_the_origin_tells_configurations_apart_and_hides_them() -> None:
    assert token_origin("a", "b") == token_origin("a", "b")
    assert token_origin("a", "b") != token_origin("a", "c")
    assert "configured-refresh" not in ORIGIN


def test_secrets_stay_out_of_the_records_repr() -> None:
    text = repr(tokens("access-secret", "refresh-secret"))
    assert "access-secret" not in text
    assert "refresh-secret" not in text
    item = InboxItem(id=1, identity="meetings|started|x", body='{"secret":1}', received_at=NOW)
    assert "secret" not in repr(item)


async def test_a_delivery_is_persisted_and_pending_until_done(store: Store) -> None:
    assert await store.inbox_put("meetings|started|m_I_1|state=inProgress", BODY, NOW)
    [item] = await store.inbox_pending()
    assert (item.identity, item.body, item.received_at) == (
        "meetings|started|m_I_1|state=inProgress",
        BODY,
        NOW,
    )
    await store.inbox_done(item.id, NOW + timedelta(seconds=1))
    assert await store.inbox_pending() == []
    # Marking it again changes nothing.
    await store.inbox_done(item.id, NOW + HOUR)
    assert await store.inbox_pending() == []


async def test_a_repeat_is_stored_once_processed_or_not(store: Store) -> None:
    assert await store.inbox_put("same", BODY, NOW)
    assert not await store.inbox_put("same", BODY.replace("WH1", "WH2"), NOW + timedelta(seconds=5))
    [item] = await store.inbox_pending()
    assert item.body == BODY
    await store.inbox_done(item.id, NOW + timedelta(seconds=6))
    assert not await store.inbox_put("same", BODY, NOW + HOUR)
    assert await store.inbox_pending() == []


async def test_pending_deliveries_come_in_arrival_order_up_to_the_limit(store: Store) -> None:
    for n in range(5):
        assert await store.inbox_put(f"delivery-{n}", BODY, NOW + n * timedelta(seconds=1))
    first = await store.inbox_pending(limit=3)
    assert [i.identity for i in first] == ["delivery-0", "delivery-1", "delivery-2"]
    await store.inbox_done(first[1].id, NOW + HOUR)
    rest = await store.inbox_pending()
    assert [i.identity for i in rest] == ["delivery-0", "delivery-2", "delivery-3", "delivery-4"]


async def test_processed_deliveries_are_forgotten_after_the_retention(store: Store) -> None:
    assert await store.inbox_put("old", BODY, NOW)
    assert await store.inbox_put("waiting", BODY, NOW)
    [old, _waiting] = await store.inbox_pending()
    await store.inbox_done(old.id, NOW)
    later = NOW + INBOX_RETENTION + timedelta(seconds=1)
    # Forgotten: the same identity counts as new again. An unprocessed
    # delivery is never forgotten, however old.
    assert await store.inbox_put("old", BODY, later)
    assert not await store.inbox_put("waiting", BODY, later)
    assert [i.identity for i in await store.inbox_pending()] == ["waiting", "old"]


def test_records_refuse_naive_times_and_empty_values() -> None:
    naive = datetime(2026, 12, 2, 9, 0)  # noqa: DTZ001 - the value under test
    with pytest.raises(ValueError, match="saved_at"):
        StoredTokens(access_token="a", origin=ORIGIN, saved_at=naive)
    with pytest.raises(ValueError, match="access_token"):
        StoredTokens(access_token="", origin=ORIGIN, saved_at=NOW)
    with pytest.raises(ValueError, match="identity"):
        InboxItem(id=1, identity="", body=BODY, received_at=NOW)
