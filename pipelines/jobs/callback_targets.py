"""Where a job's webhook may be sent: an http(s) URL whose name is resolved once, at submission,
and the address pinned, so that a name re-pointed later (DNS rebinding) cannot send the event
inside the network. Loopback, private, link-local (cloud metadata), multicast and reserved
addresses are refused unless the operator allows private ones."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class CallbackError(ValueError):
    """A callback URL that cannot be used; the message is meant for the caller."""


@dataclass(frozen=True)
class CallbackTarget:
    url: str
    host: str
    address: str  # the address the name resolved to at submission: the only one used
    port: int


def callback_target(url: str, allow_private: bool) -> CallbackTarget:
    """The target of `url`; CallbackError when it is not http(s), does not resolve, or resolves
    to an address it may not reach."""
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackError(f"callback_url must be an http or https URL of at most {MAX_URL_LENGTH} characters.")
    if parts.username or parts.password:
        raise CallbackError("callback_url must not hold a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise CallbackError(f"callback_url has a bad port: {exc}.") from exc
    addresses = _resolved(parts.hostname, port)
    refused = [address for address in addresses if not allow_private and not _public(address)]
    if refused:
        raise CallbackError(
            f"callback_url's host {parts.hostname} is at {refused[0]}, an address this service does not call "
            "(loopback, private, link-local or reserved)."
        )
    return CallbackTarget(url, parts.hostname, str(addresses[0]), port)


def _resolved(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackError(f"callback_url's host {host} cannot be resolved.") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return [address.ipv4_mapped or address if address.version == 6 else address for address in addresses]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast
