"""The services of one ingress replica, built from the settings and a job runner."""

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis

from accounts.metering import Metering
from configs.settings import Settings
from engines.chat_model import ChatModel
from pipelines.chat.service import ChatService
from pipelines.documents.document import Limits
from pipelines.jobs.idempotency import IdempotencyKeys
from pipelines.jobs.store import JobStatuses, JobStore, async_redis_client, redis_client
from serve.callers import Callers
from serve.job_ends import JobEnds
from serve.services.capabilities import LiveCapabilities
from serve.services.catalog import AccountUsage, Catalog
from serve.services.chat_desk import ChatDesk
from serve.services.downloads import Downloads
from serve.services.job_views import JobViews
from serve.services.page_images import PageImages
from serve.services.probing import ProcessProber
from serve.services.runner import JobRunnerClient
from serve.services.submission import Submission

NO_TRANSLATION_MODEL = (
    "tool=translate needs a language model, and this server has none (OCRCHAT_CHAT_LLM_URL is unset)."
)


class Health:
    def __init__(self, redis: Redis, runner: JobRunnerClient) -> None:
        self._redis = redis
        self._runner = runner

    async def check(self) -> None:
        """Returns when a document can be taken now; raises otherwise."""
        await asyncio.wait_for(self._redis.ping(), timeout=2)
        await asyncio.wait_for(self._runner.ping(), timeout=5)


@dataclass(frozen=True)
class Services:
    callers: Callers
    submission: Submission
    job_views: JobViews
    downloads: Downloads
    page_images: PageImages
    chat: ChatDesk
    catalog: Catalog
    account_usage: AccountUsage
    health: Health


def language_model(settings: Settings) -> ChatModel | None:
    """The deployment's language model, if any: it phrases chat answers and translates."""
    if not settings.chat_llm_url:
        return None
    return ChatModel(
        settings.chat_llm_url, settings.chat_llm_model, settings.chat_llm_api_key, settings.chat_llm_timeout_seconds
    )


def make_services(settings: Settings, runner: JobRunnerClient, vlm_missing: str | None) -> Services:
    """`vlm_missing`: why this deployment has no vlm tier (None: it has one)."""
    limits = Limits(settings.max_page_pixels, settings.pdf_dpi)
    prober = ProcessProber(limits, settings.max_pages, settings.probe_timeout_seconds)
    url = settings.effective_redis_url
    redis, store_client = async_redis_client(url), redis_client(url)
    binary_client = redis_client(url, decode_responses=False)
    jobs = JobStore(store_client, settings.result_ttl_seconds, binary_client)
    statuses = JobStatuses(async_redis_client(url, decode_responses=True))
    metering = Metering(store_client)
    model = language_model(settings)
    serves = LiveCapabilities(
        vlm_missing, None if model else NO_TRANSLATION_MODEL, settings.vlm_url, settings.vlm_api_key
    )
    idempotency = IdempotencyKeys(store_client, settings.idempotency_ttl_seconds)
    chat = ChatService(jobs, store_client, binary_client, model, settings.chat_passages)
    return Services(
        callers=Callers(redis, settings),
        submission=Submission(settings, jobs, idempotency, metering, runner, serves, model, prober),
        job_views=JobViews(jobs, statuses, JobEnds(redis, settings.max_waiting_polls)),
        downloads=Downloads(jobs),
        page_images=PageImages(jobs, statuses),
        chat=ChatDesk(jobs, statuses, chat, metering, settings),
        catalog=Catalog(settings, serves, model is not None),
        account_usage=AccountUsage(metering, settings),
        health=Health(redis, runner),
    )
