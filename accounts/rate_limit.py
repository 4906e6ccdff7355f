"""Requests per account per minute, counted in Redis (a fixed one-minute window)."""

from datetime import datetime

import redis


def over_limit(client: redis.Redis, what: str, account_id: str, per_minute: int, now: datetime) -> int | None:
    """Count one request; None when it is within the limit, else the seconds until the next minute."""
    key = f"ocrchat:rate:{what}:{account_id}:{now.strftime('%Y%m%d%H%M')}"
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, 120)
        count = pipe.execute()[0]
    return None if count <= per_minute else 60 - now.second
