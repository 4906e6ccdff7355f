"""Accounts and their API tokens, in Redis. Tokens are stored only as SHA-256 hashes."""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

TOKEN_PREFIX = "ocr_"
PLANS = ("free", "paid")
_ACCOUNT_KEY = "ocrchat:account:{}"
_TOKEN_KEY = "ocrchat:token:{}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(redis: Redis, plan: str = "free") -> tuple[str, str]:
    """Create an account with one token; returns (account id, token). The token is shown only here."""
    if plan not in PLANS:
        raise ValueError(f"Unknown plan {plan!r}; choose one of {', '.join(PLANS)}.")
    account_id = uuid.uuid4().hex
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with redis.pipeline(transaction=True) as pipe:
        pipe.hset(_ACCOUNT_KEY.format(account_id), mapping={"plan": plan, "created_at": created})
        pipe.set(_TOKEN_KEY.format(hash_token(token)), account_id)
        pipe.execute()
    return account_id, token


async def account_for_token(redis: AsyncRedis, token: str) -> str | None:
    """The account id a token belongs to, or None for an unknown token."""
    account_id = await redis.get(_TOKEN_KEY.format(hash_token(token)))
    return account_id.decode() if isinstance(account_id, bytes) else account_id
