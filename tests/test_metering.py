"""Metering against a real Redis: reservations are all or nothing, windows roll over by
calendar (the clock is injected), refunds never go below zero."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import redis

from accounts.metering import Metering, meter_for
from accounts.plans import plan_named
from accounts.store import create_account
from configs.settings import Settings

SETTINGS = Settings(anonymous_daily_pages=10, free_monthly_pages=30)


@pytest.fixture
def client(redis_server) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url, decode_responses=True)


def test_anonymous_allowance_runs_out_and_rolls_over_at_midnight_utc(client):
    metering, plan = Metering(client), plan_named("anonymous", SETTINGS)
    before_midnight = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)
    meter = meter_for("anon:203.0.113.7", plan, before_midnight)
    assert metering.reserve(meter, 8).reserved
    refused = metering.reserve(meter, 3)
    assert (refused.reserved, refused.used, refused.cap) == (False, 8, 10)
    assert metering.reserve(meter, 2).used == 10
    after_midnight = meter_for("anon:203.0.113.7", plan, datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC))
    assert after_midnight.period == "2026-04-01"
    assert metering.reserve(after_midnight, 10).reserved
    # The old day's counter expires on its own (a day after its window, for late refunds).
    assert 0 < client.ttl(meter.key) <= 2 * 86400 + 1


def test_free_month_rolls_over_by_calendar_month(client):
    account_id, _ = create_account(client, "free")
    metering, plan = Metering(client), plan_named("free", SETTINGS)
    january = meter_for(f"account:{account_id}", plan, datetime(2026, 1, 31, 12, tzinfo=UTC))
    assert metering.reserve(january, 30).reserved and not metering.reserve(january, 1).reserved
    february = meter_for(f"account:{account_id}", plan, datetime(2026, 2, 1, tzinfo=UTC))
    assert february.period == "2026-02" and metering.reserve(february, 1).reserved
    december = meter_for(f"account:{account_id}", plan, datetime(2026, 12, 31, 23, tzinfo=UTC))
    # The window ends at 2027-01-01 00:00; its counter is kept 2 days more, for late refunds.
    assert (december.period, december.ttl_seconds) == ("2026-12", 3600 + 2 * 86400)


def test_paid_credits_are_spent_and_refunded_never_below_zero(client):
    account_id, _ = create_account(client, "paid", credits=5)
    metering = Metering(client)
    meter = meter_for(f"account:{account_id}", plan_named("paid", SETTINGS), datetime.now(UTC))
    assert metering.reserve(meter, 5).reserved
    refused = metering.reserve(meter, 1)
    assert (refused.used, refused.cap, meter.allowance) == (5, 5, "paid_credits")
    assert metering.refund(meter.key, meter.field, 2) == 2
    assert metering.usage(meter) == (3, 5)
    assert metering.refund(meter.key, meter.field, 50) == 3
    assert metering.usage(meter) == (0, 5)


def test_concurrent_reservations_never_pass_the_cap(client):
    metering = Metering(client)
    meter = meter_for("anon:198.51.100.1", plan_named("anonymous", SETTINGS), datetime.now(UTC))
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: metering.reserve(meter, 3).reserved, range(40)))
    assert results.count(True) == 3  # 3 x 3 credits of 10
    assert metering.usage(meter) == (9, 10)
