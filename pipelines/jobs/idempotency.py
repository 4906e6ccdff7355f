"""`Idempotency-Key`: the same key from the same caller within the window returns the same job.

A key is bound to its job id before the job exists (`claim`), and marked once the job is created
(`confirm`). A second request with the key while the first is still creating its job waits for
that mark (`created_job`), so that two racing requests make one job, charged once.
"""

import hashlib
import time
from dataclasses import dataclass

import redis

MAX_KEY_LENGTH = 255


class IdempotencyError(ValueError):
    """The key is malformed, or was used before for a different document."""


def document_digest(data: bytes | bytearray, options: str) -> str:
    digest = hashlib.sha256(data)
    digest.update(b"\0" + options.encode())
    return digest.hexdigest()


# KEYS: the key's name. ARGV: the job id it must still be bound to. Deletes it only then.
_FORGET_IF_BOUND_TO = """
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ' ' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_CREATED = "created"


@dataclass(frozen=True)
class Binding:
    job_id: str
    digest: str
    created: bool


def _binding(value: str | None) -> Binding | None:
    if value is None:
        return None
    job_id, digest, *mark = value.split(" ")
    return Binding(job_id, digest, mark == [_CREATED])


class IdempotencyKeys:
    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    @staticmethod
    def _key(owner: str, key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.")
        return f"ocrchat:idempotency:{owner}:{hashlib.sha256(key.encode()).hexdigest()}"

    def claim(self, owner: str, key: str, job_id: str, digest: str) -> Binding | None:
        """Bind the key to `job_id`; None when it was free, else what it is already bound to.
        A key reused for a different document or options is an error, not a silent replay."""
        name = self._key(owner, key)
        if self._redis.set(name, f"{job_id} {digest}", nx=True, ex=self._ttl):
            return None
        earlier = _binding(self._redis.get(name))
        if earlier is None:  # expired in between
            return self.claim(owner, key, job_id, digest)
        if earlier.digest != digest:
            raise IdempotencyError("This Idempotency-Key was already used for a different document or options.")
        return earlier

    def confirm(self, owner: str, key: str, binding_job_id: str, digest: str) -> None:
        """Mark the key's job as created."""
        self._redis.set(self._key(owner, key), f"{binding_job_id} {digest} {_CREATED}", xx=True, ex=self._ttl)

    def created_job(self, owner: str, key: str, job_id: str, wait_seconds: float) -> bool | None:
        """Wait until the key's job `job_id` is created: True; False when the key was freed or
        bound anew meanwhile; None when it is still not created after `wait_seconds`."""
        deadline = time.monotonic() + wait_seconds
        while True:
            binding = _binding(self._redis.get(self._key(owner, key)))
            if binding is None or binding.job_id != job_id:
                return False
            if binding.created:
                return True
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def forget(self, owner: str, key: str, job_id: str) -> None:
        """Free the key while it is bound to `job_id` (never started, or gone)."""
        self._redis.eval(_FORGET_IF_BOUND_TO, 1, self._key(owner, key), job_id)
