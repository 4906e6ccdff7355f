"""Questions about a finished job, for accounts only: checked, rate limited, metered, answered."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from accounts.metering import Metering, meter_for
from accounts.rate_limit import over_limit
from configs.settings import Settings
from pipelines import metrics
from pipelines.chat.schema import ChatHistoryJson, ChatReplyJson
from pipelines.chat.service import ChatService
from pipelines.jobs.record import FINAL_STATUSES
from pipelines.jobs.store import JobStatuses, JobStore
from serve.api_errors import ApiError, out_of_credits
from serve.callers import Caller
from serve.services.job_views import owned_status


class ChatDesk:
    """Answers run on threads of their own: a slow model holds up other questions, at most, never
    the polls and submissions that share the default thread pool."""

    def __init__(
        self, jobs: JobStore, statuses: JobStatuses, chat: ChatService, metering: Metering, settings: Settings
    ) -> None:
        self._jobs = jobs
        self._statuses = statuses
        self._chat = chat
        self._metering = metering
        self._settings = settings
        self._answering = ThreadPoolExecutor(settings.chat_concurrency, thread_name_prefix="chat")

    async def ask(self, caller: Caller, job_id: str, message: str) -> ChatReplyJson:
        """The answer from the job's text, citing pages (from 1). 404 for a job not the caller's,
        409 before it has ended with pages to read, 429 over the rate, 402 out of credits
        (refunded when the answer fails)."""
        account_only(caller)
        await self._check_chattable(job_id, caller.owner)
        await self._check_rate(caller)
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        credits = self._settings.chat_message_credits
        reservation = await asyncio.to_thread(self._metering.reserve, meter, credits)
        if not reservation.reserved:
            raise out_of_credits(meter, reservation, credits)
        metrics.credits_charged(credits, caller.plan.name)
        try:
            reply = await asyncio.get_running_loop().run_in_executor(self._answering, self._chat.ask, job_id, message)
        except Exception:
            await asyncio.to_thread(self._metering.refund, meter.key, meter.field, credits)
            raise
        return reply.to_json()

    async def history(self, caller: Caller, job_id: str) -> ChatHistoryJson:
        account_only(caller)
        await owned_status(self._statuses, job_id, caller.owner)
        conversation = await asyncio.to_thread(self._chat.conversation, job_id)
        return {"conversation": conversation, "messages": await asyncio.to_thread(self._chat.history, job_id)}

    async def _check_chattable(self, job_id: str, owner: str) -> None:
        """Cheap: the job's record is not loaded."""
        status = await owned_status(self._statuses, job_id, owner)
        if status not in FINAL_STATUSES:
            raise ApiError(409, f"The job is {status}; ask about it once its status is done.")
        done, _ = await self._statuses.counts(job_id)
        if done == 0:
            raise ApiError(409, "The job ended without any page read: there is nothing to ask about.")

    async def _check_rate(self, caller: Caller) -> None:
        limit, now = self._settings.chat_messages_per_minute, datetime.now(UTC)
        wait = await asyncio.to_thread(over_limit, self._jobs.client, "chat", caller.account_id, limit, now)
        if wait is not None:
            raise ApiError(429, f"Too many chat questions: at most {limit} a minute. Retry in {wait} s.",
                           headers={"Retry-After": str(wait)})  # fmt: skip


def account_only(caller: Caller) -> None:
    if caller.account_id is None:
        raise ApiError(401, "Chat needs an account: send its API token (Authorization: Bearer ...).")
