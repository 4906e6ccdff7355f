"""Per-page metering in Redis: a job's credits are reserved atomically before any work, and
what was not processed is given back when the job ends.

Every meter is a counter of credits used against a cap, in a Redis hash:
- anonymous callers: `ocrchat:usage:anon:<ip>:<YYYY-MM-DD>`, capped by the daily allowance;
- free accounts: `ocrchat:usage:account:<id>:<YYYY-MM>`, capped by the monthly allowance;
- paid accounts: the account hash itself, `credits_used` against the purchased `credits`.
Windows roll over by calendar (UTC) because the key names the day or month; old keys expire
on their own, so no cron job is needed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from accounts.plans import Plan
from accounts.store import CREDITS, CREDITS_USED, account_key

USED = "used"
# Windowed counters outlive their window by this much, so a late refund still finds them.
_WINDOW_GRACE = timedelta(days=2)

# KEYS: meter hash. ARGV: used field, cap (-1: the hash's `credits` field), cost, ttl seconds (0: none).
# Returns {1 or 0 (reserved or refused), used after, cap}.
_RESERVE = """
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local cap = tonumber(ARGV[2])
if cap < 0 then cap = tonumber(redis.call('HGET', KEYS[1], 'credits') or '0') end
local cost = tonumber(ARGV[3])
if used + cost > cap then return {0, used, cap} end
redis.call('HINCRBY', KEYS[1], ARGV[1], cost)
if tonumber(ARGV[4]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return {1, used + cost, cap}
"""

# KEYS: meter hash. ARGV: used field, credits to give back. Never below zero.
_REFUND = """
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local back = math.min(used, tonumber(ARGV[2]))
if back > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -back) end
return back
"""


@dataclass(frozen=True)
class Meter:
    key: str
    field: str
    cap: int  # -1: the purchased credits stored in the hash
    ttl_seconds: int
    allowance: str  # what runs out, for the 402: anonymous_daily, free_monthly, paid_credits
    period: str | None = None  # the calendar day or month of a windowed meter


@dataclass(frozen=True)
class Reservation:
    reserved: bool
    used: int
    cap: int


def meter_for(owner: str, plan: Plan, now: datetime) -> Meter:
    """The meter of a caller (`anon:<ip>` or `account:<id>`) on its plan, at `now` (UTC)."""
    kind, _, who = owner.partition(":")
    if plan.window is None:
        return Meter(account_key(who), CREDITS_USED, -1, 0, "paid_credits")
    if plan.window == "day":
        period, ends = now.strftime("%Y-%m-%d"), _next_day(now)
    else:
        period, ends = now.strftime("%Y-%m"), _next_month(now)
    ttl = int((ends + _WINDOW_GRACE - now).total_seconds())
    allowance = "anonymous_daily" if kind == "anon" else f"{plan.name}_monthly"
    return Meter(f"ocrchat:usage:{kind}:{who}:{period}", USED, plan.allowance, ttl, allowance, period)


def _next_day(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)


def _next_month(now: datetime) -> datetime:
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=now.tzinfo)


class Metering:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._reserve = client.register_script(_RESERVE)
        self._refund = client.register_script(_REFUND)

    def reserve(self, meter: Meter, credits: int) -> Reservation:
        """Take `credits` from the meter, all or nothing."""
        reserved, used, cap = self._reserve(keys=[meter.key], args=[meter.field, meter.cap, credits, meter.ttl_seconds])
        return Reservation(bool(reserved), int(used), int(cap))

    def refund(self, key: str, field: str, credits: int) -> int:
        """Give back credits that were reserved and not used; returns how many went back."""
        return int(self._refund(keys=[key], args=[field, credits])) if credits > 0 else 0

    def usage(self, meter: Meter) -> tuple[int, int]:
        """(used, cap) of a meter now."""
        used, credits = self._redis.hmget(meter.key, [meter.field, CREDITS])
        cap = int(credits or 0) if meter.cap < 0 else meter.cap
        return int(used or 0), cap
