"""Jobs in Redis, so that any replica can answer for any job and page results survive a crash.

Keys: `ocrchat:job:<uuid>` (a hash: the fixed fields as JSON, the owner, the status and the
counters), `ocrchat:job:<uuid>:pages` (page index -> page record JSON, written as each page
finishes), `...:page_texts` and `...:page_markdowns` (page index -> the page's text and
Markdown, of which the job's own are joined when it is read), `...:page_outlines` (page index
-> what the searchable PDF needs of the page but its blocks) and `ocrchat:queued_pages`
(pages accepted but not yet processed, for backpressure).
Status changes and page writes are Lua scripts, so a cancel and a finishing page never race.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import asdict
from functools import lru_cache

import orjson
import redis
import redis.asyncio
from redis.backoff import ExponentialBackoff

from accounts.clock import now_iso
from accounts.metering import Meter
from exports.searchable_pdf import page_outline
from pipelines.jobs.callback_targets import CallbackTarget
from pipelines.jobs.job_json import job_json_chunks, record_json
from pipelines.jobs.record import FINAL_STATUSES, PageCounts, ended_status, job_state
from pipelines.jobs.schema import JobFields, PageRecord
from pipelines.jobs.webhook_outbox import STATE_TTL_SECONDS, WEBHOOKS_DUE_KEY, WebhookOutbox, webhook_key

QUEUED_PAGES_KEY = "ocrchat:queued_pages"
# Jobs not yet ended, scored by when a runner last vouched for them (a lease): one that no
# runner renews (a restarted service, a dead replica) is failed instead of staying stuck.
ACTIVE_JOBS_KEY = "ocrchat:active_jobs"
LOST_JOB_ERROR = (
    "The job was lost: the service restarted or its runner stopped while it waited or ran. "
    "Pages it did not process are not charged; send the document again."
)
# Each job that ends (done or failed) is published here, by id, for the polls that wait for it.
JOB_ENDED_CHANNEL = "ocrchat:job_ended"
# Exports made when a job ends and kept with its results.
EXPORTS_KEPT = ("pdf",)
# Page records read in one round trip when a job's pages are read one by one.
PAGES_PER_READ = 200
# A job's hashes of page index -> the page's record, text, Markdown and outline (`ocrchat:job:<id>:<suffix>`).
_PAGE_HASHES = ("pages", "page_texts", "page_markdowns", "page_outlines")
# Keys beside a job's own (`ocrchat:job:<id>:<suffix>`), deleted with it.
_SATELLITES = (*_PAGE_HASHES, *(f"export:{name}" for name in EXPORTS_KEPT), "chat_index", "chat", "chat:turns")


def job_key(job_id: str, suffix: str = "") -> str:
    """The Redis key of a job (`ocrchat:job:<id>`), or of one of its satellites."""
    return f"ocrchat:job:{job_id}" + (f":{suffix}" if suffix else "")


# KEYS: queue. ARGV: pages, cap. Returns -1 when admitted, else the pages already queued.
# An empty queue admits any document, so one larger than the cap is not refused forever.
_ADMIT = """
local queued = tonumber(redis.call('GET', KEYS[1]) or '0')
if queued > 0 and queued + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return queued end
redis.call('INCRBY', KEYS[1], ARGV[1])
return -1
"""

# KEYS: job, pages, page texts, page Markdowns, page outlines, queue. ARGV: ttl, then for each
# page: index, record JSON, counter field, confidence sum, count, text, Markdown, outline JSON.
# A page already written (a retried block) is skipped. The counters move once per call, not per
# page: 4 commands a page instead of 15, which one Redis shared by a cluster feels.
# Returns 0 when the job is no longer processing (cancelled): the pages are dropped, not counted.
_WRITE_PAGES = """
if redis.call('HGET', KEYS[1], 'status') ~= 'processing' then return 0 end
local counters = {pages_done = 0, pages_failed = 0}
local confidence_sum, confidence_count, written = 0, 0, 0
for i = 2, #ARGV, 8 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 5])
    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 6])
    redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 7])
    counters[ARGV[i + 2]] = counters[ARGV[i + 2]] + 1
    confidence_sum = confidence_sum + tonumber(ARGV[i + 3])
    confidence_count = confidence_count + tonumber(ARGV[i + 4])
    written = written + 1
  end
end
if written > 0 then
  for field, count in pairs(counters) do
    if count > 0 then redis.call('HINCRBY', KEYS[1], field, count) end
  end
  redis.call('HINCRBYFLOAT', KEYS[1], 'confidence_sum', confidence_sum)
  redis.call('HINCRBY', KEYS[1], 'confidence_count', confidence_count)
  local queued = tonumber(redis.call('GET', KEYS[6]) or '0')
  if queued > 0 then redis.call('DECRBY', KEYS[6], math.min(queued, written)) end
end
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
return 1
"""

# KEYS: job, pages, page texts, page Markdowns, page outlines, queue, meter (the job's credits, or
# the job key when it has none), the job's webhook state, the due webhooks.
# ARGV: allowed current statuses (space-separated), new status, error, finished_at, expires_at,
# ttl, the channel of job ends, the job's id, now (Unix seconds), the webhook state's ttl. A final
# status gives the unprocessed pages back to the queue and the credits of the pages not processed
# or failed back to the meter, is published, and puts the job's webhook event (if it has a
# callback) in the outbox (`pipelines.jobs.webhook_outbox`).
_TRANSITION = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(' ' .. ARGV[1] .. ' ', ' ' .. status .. ' ', 1, true) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
if ARGV[2] == 'done' or ARGV[2] == 'failed' then
  redis.call('HSET', KEYS[1], 'error', ARGV[3], 'finished_at', ARGV[4], 'expires_at', ARGV[5])
  local h = redis.call('HMGET', KEYS[1], 'page_count', 'pages_done', 'pages_failed', 'meter_field', 'page_credits')
  local left = tonumber(h[1]) - tonumber(h[2]) - tonumber(h[3])
  local queued = tonumber(redis.call('GET', KEYS[6]) or '0')
  redis.call('SET', KEYS[6], math.max(0, queued - left))
  if h[4] and KEYS[7] ~= KEYS[1] then
    local used = tonumber(redis.call('HGET', KEYS[7], h[4]) or '0')
    local back = math.min(used, (left + tonumber(h[3])) * tonumber(h[5]))
    if back > 0 then redis.call('HINCRBY', KEYS[7], h[4], -back) end
    redis.call('HSET', KEYS[1], 'credits_refunded', back)
  end
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
  redis.call('PUBLISH', ARGV[7], ARGV[8])
  local target = redis.call('HGET', KEYS[1], 'webhook')
  if target then
    local kind = 'job.failed'
    if ARGV[2] == 'done' then kind = 'job.done' elseif ARGV[3] == 'cancelled' then kind = 'job.cancelled' end
    local data = {uuid = ARGV[8], status = ARGV[2], page_count = tonumber(h[1]), pages_failed = tonumber(h[3]),
                  finished_at = ARGV[4]}
    local event = cjson.encode({type = kind, timestamp = ARGV[4], data = data})
    redis.call('HSET', KEYS[8], 'target', target, 'owner', redis.call('HGET', KEYS[1], 'owner'), 'event', event,
               'status', 'pending', 'attempts', 0, 'last_error', '', 'first_at', ARGV[9])
    redis.call('EXPIRE', KEYS[8], ARGV[10])
    redis.call('ZADD', KEYS[9], ARGV[9], ARGV[8])
  end
end
return 1
"""


@lru_cache
def redis_client(url: str, decode_responses: bool = True) -> redis.Redis:
    """One connection pool per process and URL (Ray Data tasks reuse their worker's); text
    replies by default, bytes with `decode_responses=False` (for stored exports)."""
    return redis.Redis.from_url(url, decode_responses=decode_responses, retry=_reconnecting(redis.retry.Retry))


def async_redis_client(url: str, decode_responses: bool = False) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(
        url, decode_responses=decode_responses, retry=_reconnecting(redis.asyncio.retry.Retry)
    )


def _reconnecting(retry_class: type) -> object:
    """Commands ride out a Redis restart of a few seconds on a new connection. (redis-py's async
    client does not retry by default: its first command after a restart failed.)"""
    return retry_class(ExponentialBackoff(cap=2, base=0.1), retries=6)


class JobStore:
    def __init__(self, client: redis.Redis, ttl_seconds: int, binary_client: redis.Redis | None = None) -> None:
        self._redis = client
        self._binary = binary_client
        self._ttl = ttl_seconds
        self._admit = client.register_script(_ADMIT)
        self._write_pages = client.register_script(_WRITE_PAGES)
        self._transition = client.register_script(_TRANSITION)
        self._webhooks = WebhookOutbox(client)

    @property
    def client(self) -> redis.Redis:
        return self._redis

    @staticmethod
    def _keys(job_id: str) -> list[str]:
        """The job's key, its page hashes' and the queue's: the keys of its Lua scripts."""
        return [job_key(job_id), *(job_key(job_id, suffix) for suffix in _PAGE_HASHES), QUEUED_PAGES_KEY]

    @staticmethod
    def _export_key(job_id: str, name: str) -> str:
        return job_key(job_id, f"export:{name}")

    def admit(self, pages: int, cap: int) -> int | None:
        """Queue `pages` more pages unless that would exceed `cap`; None when admitted, else
        the number of pages already queued."""
        queued = self._admit(keys=[QUEUED_PAGES_KEY], args=[pages, cap])
        return None if queued == -1 else int(queued)

    def queued_pages(self) -> int:
        """Pages accepted and not yet processed, cluster-wide."""
        return int(self._redis.get(QUEUED_PAGES_KEY) or 0)

    def release(self, pages: int) -> None:
        """Give back pages admitted for a job that was never created."""
        self._redis.decrby(QUEUED_PAGES_KEY, pages)

    def create(
        self,
        fixed: JobFields,
        owner: str,
        meter: Meter | None = None,
        page_credits: int = 0,
        webhook: CallbackTarget | None = None,
    ) -> None:
        """Store a new job as `pending`. With a meter, the job's credits were reserved on it and
        those of pages it does not process go back when it ends. With a webhook, its event is
        sent there when it ends."""
        key = self._keys(fixed["uuid"])[0]
        state = {"status": "pending", "error": "", "pages_done": 0, "pages_failed": 0, "finished_at": ""}
        metering = {"meter_key": meter.key, "meter_field": meter.field, "page_credits": page_credits} if meter else {}
        callback = {"webhook": json.dumps(asdict(webhook))} if webhook else {}
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"fixed": json.dumps(fixed), "owner": owner, "page_count": fixed["page_count"]})
            pipe.hset(key, mapping=state | {"expires_at": ""} | metering | callback)
            pipe.expire(key, self._ttl)
            pipe.zadd(ACTIVE_JOBS_KEY, {fixed["uuid"]: time.time()})
            pipe.execute()

    def load_json(self, job_id: str) -> tuple[str, str] | None:
        """The job object as JSON text, and its owner; None when there is no such job (or it
        expired). While the job runs, `pages` is empty and `pages_done` tells the progress."""
        found = self.load_json_chunks(job_id)
        return None if found is None else ("".join(found[0]), found[1])

    def load_json_chunks(self, job_id: str) -> tuple[Iterator[str], str] | None:
        """`load_json` as pieces of JSON text to stream: the job's page texts, Markdowns and
        records are read from Redis `PAGES_PER_READ` at a time as the pieces are taken."""
        fields = self._redis.hgetall(self._keys(job_id)[0])
        if not fields:
            return None
        texts = markdowns = pages = ()
        if fields["status"] in FINAL_STATUSES:
            _, pages_key, texts_key, markdowns_key, _, _ = self._keys(job_id)
            indices = self._page_indices(job_id)
            texts, markdowns, pages = (self._batches(key, indices) for key in (texts_key, markdowns_key, pages_key))
        counts = PageCounts(
            int(fields["pages_done"]),
            int(fields["pages_failed"]),
            float(fields.get("confidence_sum", 0)),
            int(fields.get("confidence_count", 0)),
        )
        error, finished_at, expires_at = (fields[name] or None for name in ("error", "finished_at", "expires_at"))
        state = job_state(fields["status"], error, counts, finished_at, expires_at)
        if "webhook" in fields:
            state["webhook"] = self._webhooks.state(job_id)
        return job_json_chunks(json.loads(fields["fixed"]), state, texts, markdowns, pages), fields["owner"]

    def load(self, job_id: str) -> tuple[dict, str] | None:
        found = self.load_json(job_id)
        return None if found is None else (orjson.loads(found[0]), found[1])

    def page_records(self, job_id: str) -> list[PageRecord]:
        """The page records written so far, in page order."""
        return [orjson.loads(page) for page in self.iter_page_jsons(job_id)]

    def page_record(self, job_id: str, index: int) -> PageRecord | None:
        page = self._redis.hget(self._keys(job_id)[1], str(index))
        return None if page is None else orjson.loads(page)

    def save_export(self, job_id: str, name: str, data: bytes) -> None:
        """Keep a prebuilt export (the searchable PDF) for as long as the job's results."""
        self._redis.set(self._export_key(job_id, name), data, ex=self._ttl)

    def export(self, job_id: str, name: str) -> bytes | None:
        assert self._binary is not None, "reading exports needs a binary client"
        return self._binary.get(self._export_key(job_id, name))

    def iter_page_jsons(self, job_id: str) -> Iterator[str]:
        """The page records written so far, as JSON, in page order, read `PAGES_PER_READ`
        pages at a time: a job of thousands of pages is not held whole."""
        for batch in self._batches(self._keys(job_id)[1], self._page_indices(job_id)):
            yield from batch

    def page_outlines(self, job_id: str) -> Iterator[dict]:
        """The outlines (`page_outline`) of the pages written so far, in page order."""
        for batch in self._batches(job_key(job_id, "page_outlines"), self._page_indices(job_id)):
            yield from map(orjson.loads, batch)

    def _page_indices(self, job_id: str) -> list[str]:
        """The indices of the pages written so far, in page order, as hash fields."""
        return sorted(self._redis.hkeys(self._keys(job_id)[1]), key=int)

    def _batches(self, key: str, indices: list[str]) -> Iterator[list[str]]:
        """The values of a page hash (records, texts or Markdowns) of these pages, `PAGES_PER_READ` at a time."""
        for start in range(0, len(indices), PAGES_PER_READ):
            values = self._redis.hmget(key, indices[start : start + PAGES_PER_READ])
            yield [value for value in values if value is not None]  # None: deleted meanwhile

    def status_and_owner(self, job_id: str) -> tuple[str, str] | None:
        status, owner = self._redis.hmget(self._keys(job_id)[0], ["status", "owner"])
        return None if status is None else (status, owner)

    def status(self, job_id: str) -> str | None:
        return self._redis.hget(self._keys(job_id)[0], "status")

    def counts(self, job_id: str) -> tuple[int, int]:
        """(pages done, pages failed)."""
        done, failed = self._redis.hmget(self._keys(job_id)[0], ["pages_done", "pages_failed"])
        return int(done or 0), int(failed or 0)

    def written(self, job_id: str, indices: list[int]) -> set[int]:
        """Which of these pages already have a record (a retried block skips them)."""
        with self._redis.pipeline(transaction=False) as pipe:
            for index in indices:
                pipe.hexists(self._keys(job_id)[1], str(index))
            return {index for index, exists in zip(indices, pipe.execute(), strict=True) if exists}

    def write_page(self, job_id: str, record: PageRecord) -> bool:
        """Store a finished page; False when the job is no longer processing (cancelled)."""
        return self.write_pages(job_id, [record])

    def write_pages(self, job_id: str, records: list[PageRecord]) -> bool:
        """Store finished pages at once (in one script call); False when the job is no longer
        processing (cancelled: the pages are dropped, not counted)."""
        args = [self._ttl]
        for record in records:
            args.extend(self._page_args(record))
        return bool(self._write_pages(keys=self._keys(job_id), args=args))

    @staticmethod
    def _page_args(record: PageRecord) -> list:
        counts = PageCounts.of_page(record)
        outline = orjson.dumps(page_outline(record))
        return [
            record["index"],
            record_json(record),
            "pages_failed" if counts.pages_failed else "pages_done",
            counts.confidence_sum,
            counts.confidence_count,
            record["text"],
            record["markdown"],
            outline,
        ]

    def _move(self, job_id: str, allowed: str, status: str, error: str = "") -> bool:
        final = status in ("done", "failed")
        finished_at, expires_at = (now_iso(), now_iso(self._ttl)) if final else ("", "")
        args = [allowed, status, error, finished_at, expires_at, self._ttl, JOB_ENDED_CHANNEL, job_id]
        args += [time.time(), STATE_TTL_SECONDS]
        keys = self._keys(job_id)
        meter_key = self._redis.hget(keys[0], "meter_key") if final else None
        keys += [meter_key or keys[0], webhook_key(job_id), WEBHOOKS_DUE_KEY]
        moved = bool(self._transition(keys=keys, args=args))
        if moved and final:
            self._redis.zrem(ACTIVE_JOBS_KEY, job_id)
        return moved

    def renew_leases(self, job_ids: list[str]) -> None:
        """A runner vouches that it still holds these jobs (waiting for a slot or running)."""
        if job_ids:
            now = time.time()
            self._redis.zadd(ACTIVE_JOBS_KEY, {job_id: now for job_id in job_ids}, xx=True)

    def fail_lost_jobs(self, lease_seconds: float) -> list[str]:
        """Fail the jobs no runner has vouched for within the lease; their unprocessed pages
        go back to the queue and their credits to the caller. Returns their ids."""
        lost = self._redis.zrangebyscore(ACTIVE_JOBS_KEY, 0, time.time() - lease_seconds)
        for job_id in lost:
            self.fail(job_id, LOST_JOB_ERROR)
            self._redis.zrem(ACTIVE_JOBS_KEY, job_id)  # also when it had ended or expired meanwhile
        return lost

    def start(self, job_id: str) -> bool:
        """pending -> processing; False when the job was cancelled or is gone."""
        return self._move(job_id, "pending", "processing")

    def finish(self, job_id: str) -> bool:
        """processing -> done, or failed when no page could be processed."""
        if self.status(job_id) != "processing":
            return False
        status, error = ended_status(PageCounts(*self.counts(job_id)))
        return self._move(job_id, "processing", status, error or "")

    def fail(self, job_id: str, error: str) -> bool:
        return self._move(job_id, "pending processing", "failed", error)

    def cancel(self, job_id: str) -> bool:
        """Stop a job that has not finished; the pages it did not process go back to the queue."""
        return self._move(job_id, "pending processing", "failed", "cancelled")

    def delete(self, job_id: str) -> None:
        """Delete an ended job with its pages, exports and chat."""
        self._redis.delete(job_key(job_id), *(job_key(job_id, suffix) for suffix in _SATELLITES))


class JobStatuses:
    """A job's status, owner and counters for async code (the ingress's event loop): the checks
    that every poll and question makes, without a thread each."""

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._redis = client  # with decode_responses

    async def status_and_owner(self, job_id: str) -> tuple[str, str] | None:
        status, owner = await self._redis.hmget(job_key(job_id), ["status", "owner"])
        return None if status is None else (status, owner)

    async def counts(self, job_id: str) -> tuple[int, int]:
        """(pages done, pages failed)."""
        done, failed = await self._redis.hmget(job_key(job_id), ["pages_done", "pages_failed"])
        return int(done or 0), int(failed or 0)
