"""Accounts in Redis: `ocrchat:account:<id>`, a hash of the plan, the creation time and, for
paid accounts, the purchased `credits` and the `credits_used` (see `accounts.metering`)."""

import uuid

from redis import Redis

from accounts.clock import now_iso
from accounts.plans import PLANS
from accounts.tokens import issue_token

_ACCOUNT_KEY = "ocrchat:account:{}"
CREDITS = "credits"  # purchased, on paid accounts
CREDITS_USED = "credits_used"


def account_key(account_id: str) -> str:
    return _ACCOUNT_KEY.format(account_id)


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is meant for the user."""


def create_account(redis: Redis, plan: str = "free", credits: int = 0) -> tuple[str, str]:
    """Create an account with one token; returns (account id, token). The token is shown only here."""
    if plan not in PLANS:
        raise AccountError(f"Unknown plan {plan!r}; choose one of {', '.join(PLANS)}.")
    account_id = uuid.uuid4().hex
    redis.hset(account_key(account_id), mapping={"plan": plan, "created_at": now_iso(), CREDITS: credits})
    _, token = issue_token(redis, account_id)
    return account_id, token


def account(redis: Redis, account_id: str) -> dict[str, str]:
    """The account's fields (from a client with decode_responses); AccountError when there is none."""
    fields = redis.hgetall(account_key(account_id))
    if not fields:
        raise AccountError(f"No account {account_id!r}.")
    return fields


def account_ids(redis: Redis) -> list[str]:
    keys = redis.scan_iter(match=account_key("*"), count=1000)
    return sorted({key.split(":")[2] for key in keys})


def add_credits(redis: Redis, account_id: str, credits: int) -> int:
    """Add purchased credits to a paid account; returns its credits now."""
    plan = account(redis, account_id)["plan"]
    if plan != "paid":
        raise AccountError(f"Account {account_id} is on the {plan} plan; only paid accounts hold credits.")
    if credits <= 0:
        raise AccountError("Add a positive number of credits.")
    return int(redis.hincrby(account_key(account_id), CREDITS, credits))
