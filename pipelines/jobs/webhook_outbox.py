"""The webhook events waiting to be delivered, in Redis, so that they survive a restart.

When a job with a callback ends, the job store's transition script writes its event into
`ocrchat:webhook:<job id>` (the target, the owner, the event JSON, the delivery state) and puts
the job id into `ocrchat:webhooks:due`, scored by when to try next. Senders (any number, on any
replica) claim due events for a lease, try them, and record the outcome: delivered, or the next
try after a backoff, until RETRY_WINDOW_SECONDS after the first; then it has failed.
"""

import json
from dataclasses import dataclass

import redis

from pipelines.jobs.callback_targets import CallbackTarget

WEBHOOKS_DUE_KEY = "ocrchat:webhooks:due"
# Seconds from a failed try to the next, then the last one over and over.
RETRY_SECONDS = (5, 60, 300, 1800, 7200, 18000, 36000)
RETRY_WINDOW_SECONDS = 24 * 3600
# How long an event's state is kept after it ends (it is read with its job).
STATE_TTL_SECONDS = 2 * RETRY_WINDOW_SECONDS

# KEYS: the due set. ARGV: now, lease end, how many. Claims the due events until the lease ends.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return due
"""


def webhook_key(job_id: str) -> str:
    return f"ocrchat:webhook:{job_id}"


@dataclass(frozen=True)
class Delivery:
    job_id: str
    target: CallbackTarget
    owner: str
    event: str  # the JSON body
    attempts: int
    first_at: float

    @property
    def message_id(self) -> str:
        """Standard Webhooks' `webhook-id`: the same on every try, so receivers can drop repeats."""
        return f"msg_{self.job_id}"


class WebhookOutbox:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._claim = client.register_script(_CLAIM)

    def claim(self, now: float, lease_seconds: float, limit: int = 16) -> list[Delivery]:
        """Due events, each claimed until `now + lease_seconds` (a sender that dies leaves it due again)."""
        deliveries = []
        for job_id in self._claim(keys=[WEBHOOKS_DUE_KEY], args=[now, now + lease_seconds, limit]):
            fields = self._redis.hgetall(webhook_key(job_id))
            if not fields:  # its state expired: nothing left to send
                self._redis.zrem(WEBHOOKS_DUE_KEY, job_id)
                continue
            target = CallbackTarget(**json.loads(fields["target"]))
            attempts, first_at = int(fields["attempts"]), float(fields["first_at"])
            deliveries.append(Delivery(job_id, target, fields["owner"], fields["event"], attempts, first_at))
        return deliveries

    def record(self, delivery: Delivery, error: str | None, now: float) -> None:
        """The outcome of a try: delivered (`error` None), or tried again later, or failed for good."""
        attempts = delivery.attempts + 1
        key = webhook_key(delivery.job_id)
        if error is None:
            self._finish(key, delivery.job_id, {"status": "delivered", "attempts": attempts, "last_error": ""})
            return
        next_try = now + RETRY_SECONDS[min(attempts, len(RETRY_SECONDS)) - 1]
        if next_try - delivery.first_at > RETRY_WINDOW_SECONDS:
            self._finish(key, delivery.job_id, {"status": "failed", "attempts": attempts, "last_error": error})
            return
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"attempts": attempts, "last_error": error})
            pipe.zadd(WEBHOOKS_DUE_KEY, {delivery.job_id: next_try}, xx=True)
            pipe.execute()

    def _finish(self, key: str, job_id: str, state: dict) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=state)
            pipe.zrem(WEBHOOKS_DUE_KEY, job_id)
            pipe.execute()

    def state(self, job_id: str) -> dict:
        """What the job object says of its webhook: `waiting` until the job ends."""
        status, attempts, last_error = self._redis.hmget(webhook_key(job_id), ["status", "attempts", "last_error"])
        if status is None:
            return {"status": "waiting", "attempts": 0, "last_error": None}
        return {"status": status, "attempts": int(attempts), "last_error": last_error or None}
