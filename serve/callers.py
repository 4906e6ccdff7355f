"""Who is calling: the account of the request's API token, or an anonymous client IP, and
the plan that meters it."""

import ipaddress
from dataclasses import dataclass

from fastapi import HTTPException, Request
from redis.asyncio import Redis

from accounts.plans import ANONYMOUS, Plan, plan_named
from accounts.store import account_key
from accounts.tokens import account_for_token
from configs.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Caller:
    owner: str  # `account:<id>` or `anon:<ip>`: jobs belong to it
    plan: Plan

    @property
    def account_id(self) -> str | None:
        kind, _, who = self.owner.partition(":")
        return who if kind == "account" else None


def trusted_networks(spec: str) -> list[Network]:
    """`OCRCHAT_TRUSTED_PROXIES` parsed: `10.0.0.1, 192.168.0.0/16`."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The client's address: the socket's peer, unless the peer is a trusted proxy; then the
    nearest address in `X-Forwarded-For` that is not a trusted proxy (the ones further left
    were written by the client and prove nothing)."""
    address = peer or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = hop
        if not _is_trusted(hop, trusted):
            break
    return address


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.query_params.get("api_token") or None


def anonymous_owner(ip: str, ipv6_prefix: int) -> str:
    """Who an anonymous caller is for metering: its IPv4 address, or the IPv6 network of
    `ipv6_prefix` bits around its address (one subscriber usually holds a whole /64)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"anon:{ip}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"anon:{address.ipv4_mapped}"
        return f"anon:{ipaddress.ip_network(f'{address}/{ipv6_prefix}', strict=False)}"
    return f"anon:{address}"


async def caller_for(request: Request, redis: Redis, settings: Settings, trusted: list[Network]) -> Caller:
    """The caller of a request; 401 for a token that is unknown or revoked."""
    token = request_token(request)
    if token is None:
        peer = request.client.host if request.client else None
        # Every line of the header, in order: a proxy may add its own line after the client's.
        forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
        ip = client_ip(peer, forwarded, trusted)
        return Caller(anonymous_owner(ip, settings.anonymous_ipv6_prefix), plan_named(ANONYMOUS, settings))
    account_id = await account_for_token(redis, token)
    plan = None if account_id is None else await redis.hget(account_key(account_id), "plan")
    if plan is None:
        raise HTTPException(401, "Invalid or revoked API token.")
    return Caller(f"account:{account_id}", plan_named(plan.decode(), settings))


class Callers:
    """The callers of requests, from the tokens in Redis and the trusted proxies of the settings."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings
        self._trusted = trusted_networks(settings.trusted_proxies)

    async def of(self, request: Request) -> Caller:
        return await caller_for(request, self._redis, self._settings, self._trusted)
