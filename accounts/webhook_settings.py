"""An account's webhook settings, in its hash: the secret its job events are signed with
(`whsec_` + base64, as the Standard Webhooks specification writes it) and a default callback URL
for its jobs."""

import base64
import secrets

from redis import Redis

from accounts.store import account, account_key

_SECRET = "webhook_secret"
_URL = "webhook_url"


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_secret(redis: Redis, account_id: str, rotate: bool = False) -> str:
    """The account's signing secret, made at first use; a new one when `rotate` (events signed
    from then on use it). AccountError when there is no such account."""
    fields = account(redis, account_id)
    if rotate or not fields.get(_SECRET):
        secret = new_webhook_secret()
        if rotate:
            redis.hset(account_key(account_id), _SECRET, secret)
        elif not redis.hsetnx(account_key(account_id), _SECRET, secret):  # made meanwhile by another
            secret = redis.hget(account_key(account_id), _SECRET)
        return secret
    return fields[_SECRET]


def default_callback_url(redis: Redis, account_id: str) -> str | None:
    return redis.hget(account_key(account_id), _URL) or None


def set_default_callback_url(redis: Redis, account_id: str, url: str | None) -> None:
    account(redis, account_id)  # AccountError when there is none
    if url:
        redis.hset(account_key(account_id), _URL, url)
    else:
        redis.hdel(account_key(account_id), _URL)
