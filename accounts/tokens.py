"""API tokens: random, shown once, stored only as SHA-256 hashes; several per account, each
revocable.

Keys: `ocrchat:token:<sha256>` -> account id (the lookup on every request) and
`ocrchat:account:<id>:tokens` (token id -> its hash and creation time, to list and revoke).
A token id is the first 12 hex digits of the hash: enough to name it, useless to use it.
"""

import hashlib
import json
import secrets

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from accounts.clock import now_iso

TOKEN_PREFIX = "ocr_"
_TOKEN_KEY = "ocrchat:token:{}"
_ACCOUNT_TOKENS_KEY = "ocrchat:account:{}:tokens"
_TOKEN_ID_LENGTH = 12


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(redis: Redis, account_id: str) -> tuple[str, str]:
    """A new token for the account: (token id, token). The token is shown only here."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    digest = hash_token(token)
    token_id = digest[:_TOKEN_ID_LENGTH]
    record = json.dumps({"hash": digest, "created_at": now_iso()})
    with redis.pipeline(transaction=True) as pipe:
        pipe.set(_TOKEN_KEY.format(digest), account_id)
        pipe.hset(_ACCOUNT_TOKENS_KEY.format(account_id), token_id, record)
        pipe.execute()
    return token_id, token


def list_tokens(redis: Redis, account_id: str) -> dict[str, str]:
    """Token id -> creation time, for the account's live tokens (decode_responses client)."""
    records = redis.hgetall(_ACCOUNT_TOKENS_KEY.format(account_id))
    return {token_id: json.loads(record)["created_at"] for token_id, record in records.items()}


def revoke_token(redis: Redis, account_id: str, token_id: str) -> bool:
    """Revoke one of the account's tokens by its id; False when it has no such token."""
    record = redis.hget(_ACCOUNT_TOKENS_KEY.format(account_id), token_id)
    if record is None:
        return False
    with redis.pipeline(transaction=True) as pipe:
        pipe.delete(_TOKEN_KEY.format(json.loads(record)["hash"]))
        pipe.hdel(_ACCOUNT_TOKENS_KEY.format(account_id), token_id)
        pipe.execute()
    return True


async def account_for_token(redis: AsyncRedis, token: str) -> str | None:
    """The account id a token belongs to, or None for an unknown or revoked token."""
    account_id = await redis.get(_TOKEN_KEY.format(hash_token(token)))
    return account_id.decode() if isinstance(account_id, bytes) else account_id
