"""The client IP for anonymous metering, and paid jobs first in the queue of long jobs."""

import asyncio

from serve.callers import anonymous_owner, client_ip, trusted_networks
from serve.priority_slots import PrioritySlots

PROXIES = trusted_networks("10.0.0.1, 192.168.0.0/16")


def test_the_socket_peer_is_the_client_unless_it_is_a_trusted_proxy():
    assert client_ip("203.0.113.9", None, PROXIES) == "203.0.113.9"
    # A client cannot pick its own address: the header is ignored from an untrusted peer.
    assert client_ip("203.0.113.9", "1.2.3.4", PROXIES) == "203.0.113.9"
    assert client_ip("10.0.0.1", "198.51.100.4", PROXIES) == "198.51.100.4"
    # Through two trusted proxies; the client's own entry (left) is not believed.
    assert client_ip("10.0.0.1", "6.6.6.6, 198.51.100.4, 192.168.3.3", PROXIES) == "198.51.100.4"
    assert client_ip("10.0.0.1", "not an ip", PROXIES) == "not an ip"
    assert client_ip("10.0.0.1", "", PROXIES) == "10.0.0.1"
    assert trusted_networks("") == []


def test_anonymous_ipv6_callers_are_metered_per_network():
    assert anonymous_owner("2001:db8:1:2:aaaa::1", 64) == anonymous_owner("2001:db8:1:2:bbbb::9", 64)
    assert anonymous_owner("2001:db8:1:2::1", 64) == "anon:2001:db8:1:2::/64"
    assert anonymous_owner("2001:db8:1:3::1", 64) != anonymous_owner("2001:db8:1:2::1", 64)
    assert anonymous_owner("2001:db8:1:2::1", 128) == "anon:2001:db8:1:2::1/128"
    assert anonymous_owner("203.0.113.9", 64) == "anon:203.0.113.9"
    assert anonymous_owner("::ffff:203.0.113.9", 64) == "anon:203.0.113.9"


def test_paid_jobs_get_the_next_free_slot_before_earlier_free_ones():
    async def scenario() -> list[str]:
        slots, order = PrioritySlots(1), []
        release = asyncio.Event()

        async def job(name: str, priority: int, hold: bool = False) -> None:
            async with slots.hold(priority):
                order.append(name)
                if hold:
                    await release.wait()

        running = asyncio.create_task(job("first", 1, hold=True))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(job(name, priority)) for name, priority in [("anon", 2), ("free", 1)]]
        cancelled = asyncio.create_task(job("cancelled", 0))
        await asyncio.sleep(0)
        paid = asyncio.create_task(job("paid", 0))
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(running, paid, *waiting)
        return order

    assert asyncio.run(scenario()) == ["first", "paid", "free", "anon"]
