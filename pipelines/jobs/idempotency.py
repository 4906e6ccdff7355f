"""`Idempotency-Key`: the same key from the same caller within the window returns the same job."""

import hashlib

import redis

MAX_KEY_LENGTH = 255


class IdempotencyError(ValueError):
    """The key is malformed, or was used before for a different document."""


def document_digest(data: bytes, options: str) -> str:
    return hashlib.sha256(data + b"\0" + options.encode()).hexdigest()


class IdempotencyKeys:
    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    @staticmethod
    def _key(owner: str, key: str) -> str:
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.")
        return f"ocrchat:idempotency:{owner}:{hashlib.sha256(key.encode()).hexdigest()}"

    def claim(self, owner: str, key: str, job_id: str, digest: str) -> str | None:
        """Bind the key to `job_id`; None when it was free, else the job it is already bound to.
        A key reused for a different document or options is an error, not a silent replay."""
        name = self._key(owner, key)
        if self._redis.set(name, f"{job_id} {digest}", nx=True, ex=self._ttl):
            return None
        earlier = self._redis.get(name)
        if earlier is None:  # expired in between
            return self.claim(owner, key, job_id, digest)
        earlier_job, earlier_digest = earlier.split(" ")
        if earlier_digest != digest:
            raise IdempotencyError("This Idempotency-Key was already used for a different document or options.")
        return earlier_job

    def forget(self, owner: str, key: str) -> None:
        """Free the key, when the job it was bound to was never started or is gone."""
        self._redis.delete(self._key(owner, key))
