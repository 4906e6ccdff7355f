"""Sending the webhook events of the outbox: signed as the Standard Webhooks specification says
(`webhook-id`, `webhook-timestamp`, `webhook-signature`), to the address pinned at submission,
with a 5 s timeout and no redirects. A 2xx answer is a delivery; anything else is tried again."""

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import redis
from standardwebhooks.webhooks import Webhook

from accounts.store import AccountError
from accounts.webhook_settings import webhook_secret
from pipelines.jobs.callback_targets import CallbackTarget
from pipelines.jobs.webhook_outbox import Delivery, WebhookOutbox

logger = logging.getLogger("ocrchat.webhooks")

TIMEOUT_SECONDS = 5.0
# A claimed event not recorded within this long (its sender died) is due again.
LEASE_SECONDS = 60.0

# An owner (`account:<id>` or `anon:<ip>`) -> the secret its events are signed with, or None.
SecretOf = Callable[[str], str | None]


def owner_secrets(client: redis.Redis, anonymous_secret: str | None) -> SecretOf:
    """Accounts sign with their own secret (`ocrchat accounts webhook-secret`), anonymous callers'
    jobs with OCRCHAT_WEBHOOK_SECRET."""

    def secret_of(owner: str) -> str | None:
        kind, _, who = owner.partition(":")
        if kind != "account":
            return anonymous_secret
        try:
            return webhook_secret(client, who)
        except AccountError:  # the account was deleted meanwhile
            return None

    return secret_of


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "content-type": "application/json",
    }


def post_event(client: httpx.Client, target: CallbackTarget, body: str, headers: dict[str, str]) -> str | None:
    """POST the event to the pinned address; None when it was taken (2xx), else why not."""
    url = httpx.URL(target.url)
    pinned = url.copy_with(host=target.address, port=target.port)
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    headers = headers | {"host": url.netloc.decode()}
    try:
        response = client.post(pinned, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None if response.is_success else f"HTTP {response.status_code}"


class WebhookSender:
    def __init__(self, outbox: WebhookOutbox, secret_of: SecretOf) -> None:
        self._outbox = outbox
        self._secret_of = secret_of
        self._client = httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)

    def send_due(self) -> int:
        """Try every due event once; how many were tried."""
        deliveries = self._outbox.claim(time.time(), LEASE_SECONDS)
        for delivery in deliveries:
            self._outbox.record(delivery, self._try(delivery), time.time())
        return len(deliveries)

    def _try(self, delivery: Delivery) -> str | None:
        secret = self._secret_of(delivery.owner)
        if secret is None:
            return "no signing secret (OCRCHAT_WEBHOOK_SECRET is unset)"
        headers = signed_headers(secret, delivery.message_id, delivery.event, datetime.now(UTC))
        return post_event(self._client, delivery.target, delivery.event, headers)

    def run_forever(self, every_seconds: float = 1.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                if self.send_due() == 0:
                    stop.wait(every_seconds)
            except Exception:  # Redis away for a moment: try again next round
                logger.exception("Sending webhooks failed")
                stop.wait(every_seconds)
