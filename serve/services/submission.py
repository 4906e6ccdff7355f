"""Submitting a document: its pages counted, the job admitted to the queue, charged, created
and handed to the runner. Whatever refuses it (400, 402, 429, 503) leaves nothing queued,
charged or created."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from accounts.metering import Meter, Metering, meter_for
from accounts.plans import page_cost
from accounts.webhook_settings import default_callback_url
from configs.settings import Settings
from engines.chat_model import ChatModel
from pipelines import metrics
from pipelines.chat.translation import Translator
from pipelines.documents.document import DocumentError
from pipelines.errors import describe_error
from pipelines.execution.blocks import DocumentPages
from pipelines.execution.page_loop import PageOptions
from pipelines.jobs.callback_targets import CallbackError, CallbackTarget, callback_target
from pipelines.jobs.idempotency import IdempotencyError, IdempotencyKeys, document_digest
from pipelines.jobs.options import JobOptions, OptionError, parse_options
from pipelines.jobs.page_selection import PageSelectionError
from pipelines.jobs.record import new_job
from pipelines.jobs.schema import JobFields
from pipelines.jobs.store import JobStore
from serve.api_errors import ApiError, check_plan_cap, out_of_credits
from serve.callers import Caller
from serve.services.capabilities import LiveCapabilities
from serve.services.runner import DocumentProber, JobRunnerClient

# For Retry-After: roughly how long one queued page takes to drain on a small deployment.
_SECONDS_PER_QUEUED_PAGE = 4
# How long a request waits for the job that an earlier request with its Idempotency-Key is
# creating; past that, the earlier request is taken for dead and the key starts over.
_CREATION_WAIT_SECONDS = 10.0
FIELDS = ("tier", "language", "tool", "translate_to", "pages", "callback_url")
NO_ANONYMOUS_WEBHOOKS = (
    "Webhooks of anonymous jobs need a signing secret, and this server has none (OCRCHAT_WEBHOOK_SECRET); "
    "use an account, whose events are signed with its own secret."
)


@dataclass(frozen=True)
class Upload:
    """A submission as the form sent it: the document, its name, the text fields (FIELDS) and
    `force_ocr`; `key`: its Idempotency-Key header."""

    data: bytes | bytearray
    filename: str
    fields: dict[str, str | None]
    force_ocr: bool = False
    key: str | None = None


@dataclass(frozen=True)
class _KeyedJob:
    """A job submitted with an Idempotency-Key: the key's owner and value, the job, the digest
    of its document and options."""

    owner: str
    key: str
    job_id: str
    digest: str


class Submission:
    def __init__(
        self,
        settings: Settings,
        jobs: JobStore,
        idempotency: IdempotencyKeys,
        metering: Metering,
        runner: JobRunnerClient,
        serves: LiveCapabilities,
        language_model: ChatModel | None,
        prober: DocumentProber,
    ) -> None:
        self._settings = settings
        self._jobs = jobs
        self._idempotency = idempotency
        self._metering = metering
        self._runner = runner
        self._serves = serves
        self._language_model = language_model
        self._prober = prober
        self.max_upload_bytes = settings.max_upload_bytes
        self.upload_deadline_seconds = settings.upload_deadline_seconds

    async def submit(self, caller: Caller, upload: Upload) -> str:
        """The id of the job to answer with: a new one (done when small, as the caller waits for
        it), or the earlier job of the same Idempotency-Key."""
        options = await self._options(upload.fields, caller)
        pages = await self._pages_to_process(upload.data, upload.fields["pages"])
        check_plan_cap(len(pages.indices), caller.plan)
        callback = await self._callback_target(caller, upload.fields["callback_url"])
        job = new_job(
            tier=options.tier,
            language=options.language,
            tool=options.tool,
            filename=upload.filename,
            page_count=len(pages.indices),
            document_page_count=pages.page_count,
        )
        keyed = None
        if upload.key is not None:
            digest = document_digest(upload.data, f"{sorted(upload.fields.items())} {upload.force_ocr}")
            keyed = _KeyedJob(caller.owner, upload.key, job["uuid"], digest)
            earlier = await self._earlier_job(keyed)
            if earlier is not None:
                return earlier
        await self._create(caller, job, keyed, options, callback)
        metrics.upload_accepted(len(upload.data))
        await self._dispatch(job["uuid"], upload, pages, self._page_options(options, upload.force_ocr), caller, keyed)
        return job["uuid"]

    async def _options(self, fields: dict[str, str | None], caller: Caller) -> JobOptions:
        serves = await self._serves.now()
        try:
            options = parse_options(fields["tier"], fields["language"], fields["tool"], fields["translate_to"], serves)
        except OptionError as exc:
            raise ApiError(exc.status, str(exc)) from exc
        if options.translate_to and caller.account_id is None and not self._settings.anonymous_translate:
            raise ApiError(401, "tool=translate needs an account: send its API token (Authorization: Bearer ...).")
        return options

    async def _create(
        self,
        caller: Caller,
        job: JobFields,
        keyed: _KeyedJob | None,
        options: JobOptions,
        callback: CallbackTarget | None,
    ) -> None:
        """Queue, charge and store the job."""
        pages = job["page_count"]
        await self._admit(pages, keyed)
        page_credits = page_cost(options.tier, self._settings, translated=options.translate_to is not None)
        meter = await self._reserve(caller, pages, page_credits, keyed)
        try:
            await asyncio.to_thread(self._jobs.create, job, caller.owner, meter, page_credits, callback)
        except Exception:  # Redis failed us: the pages must not stay queued nor charged
            await asyncio.to_thread(self._jobs.release, pages)
            await asyncio.to_thread(self._metering.refund, meter.key, meter.field, pages * page_credits)
            await self._forget_key(keyed)
            raise
        if keyed is not None:
            await asyncio.to_thread(self._idempotency.confirm, keyed.owner, keyed.key, keyed.job_id, keyed.digest)

    async def _callback_target(self, caller: Caller, url: str | None) -> CallbackTarget | None:
        """Where the job's webhook goes: `callback_url`, else the account's default; 400 for one
        this service does not call (checked before anything is charged)."""
        if url is None and caller.account_id is not None:
            url = await asyncio.to_thread(default_callback_url, self._jobs.client, caller.account_id)
        if not url:
            return None
        try:
            target = await asyncio.to_thread(callback_target, url, self._settings.webhook_allow_private)
        except CallbackError as exc:
            raise ApiError(400, str(exc)) from exc
        if caller.account_id is None and not self._settings.webhook_secret:
            raise ApiError(400, NO_ANONYMOUS_WEBHOOKS)
        return target

    def _page_options(self, options: JobOptions, force_ocr: bool) -> PageOptions:
        """How the runner processes the pages. The vlm tier reads every page with the model, text
        layer or not: its Markdown and tables are what the caller pays for."""
        model = self._language_model
        return PageOptions(
            language=options.language,
            tier=options.tier,
            force_ocr=force_ocr or options.tier == "vlm",
            retries=self._settings.page_retries,
            task=options.task,
            translator=Translator(model, options.translate_to) if model and options.translate_to else None,
        )

    async def _dispatch(
        self,
        job_id: str,
        upload: Upload,
        pages: DocumentPages,
        options: PageOptions,
        caller: Caller,
        keyed: _KeyedJob | None,
    ) -> None:
        """Hand the job to the runner; wait for it when it is small. When the runner cannot take
        it, the job fails (its pages go back to the queue) and the caller gets a 503."""
        wait = len(pages.indices) <= self._settings.sync_max_pages
        try:
            await self._runner.run(job_id, upload.data, pages, options, caller.plan.priority, wait)
        except Exception as exc:  # the runner or the object store failed us, not the document
            error = f"The service could not run the job: {describe_error(exc)}"
            await asyncio.to_thread(self._jobs.fail, job_id, error)
            await self._forget_key(keyed)
            raise ApiError(503, error + " Retry later.", headers={"Retry-After": "10"}) from exc

    async def _pages_to_process(self, data: bytes | bytearray, pages: str | None) -> DocumentPages:
        """The document probed (in a child process: serve.services.probing); 400 when it cannot
        be read, `pages` is wrong, or more pages are asked than the per-file cap."""
        try:
            probe = await self._prober.probe(data, pages)
        except (DocumentError, PageSelectionError) as exc:
            raise ApiError(400, str(exc)) from exc
        indices = probe.indices
        cap = self._settings.max_pages
        if len(indices) > cap:
            raise ApiError(
                400,
                f"The document has {len(indices)} pages to process; the limit is {cap} pages per file. "
                "Send fewer pages (the pages field selects them).",
                page_count=len(indices),
                cap=cap,
            )
        return probe

    async def _earlier_job(self, keyed: _KeyedJob) -> str | None:
        """The caller's job an earlier request with this Idempotency-Key created, or None after
        binding the key to this job. Waits while the earlier request is still creating its job."""
        try:
            binding = await asyncio.to_thread(
                self._idempotency.claim, keyed.owner, keyed.key, keyed.job_id, keyed.digest
            )
        except IdempotencyError as exc:
            raise ApiError(400, str(exc)) from exc
        if binding is None:
            return None
        if not binding.created:
            wait = self._idempotency.created_job
            created = await asyncio.to_thread(wait, keyed.owner, keyed.key, binding.job_id, _CREATION_WAIT_SECONDS)
            if created is False:  # that request gave up (refused, failed): the key is free again
                return await self._earlier_job(keyed)
        found = await asyncio.to_thread(self._jobs.status_and_owner, binding.job_id)
        if found is not None and found[1] == keyed.owner:
            return binding.job_id
        # The earlier job was deleted or has expired (or its request died creating it): start over.
        await asyncio.to_thread(self._idempotency.forget, keyed.owner, keyed.key, binding.job_id)
        return await self._earlier_job(keyed)

    async def _admit(self, pages: int, keyed: _KeyedJob | None) -> None:
        """Queue the pages, or refuse with 429 when the cluster already holds its fill."""
        queued = await asyncio.to_thread(self._jobs.admit, pages, self._settings.max_queued_pages)
        if queued is None:
            metrics.queue_depth(await asyncio.to_thread(self._jobs.queued_pages))
            return
        await self._forget_key(keyed)
        wait = max(5, min(3600, (queued + pages - self._settings.max_queued_pages) * _SECONDS_PER_QUEUED_PAGE))
        raise ApiError(
            429,
            f"The service is at capacity ({queued} pages queued); retry after {wait} seconds.",
            headers={"Retry-After": str(wait)},
            queued_pages=queued,
        )

    async def _reserve(self, caller: Caller, pages: int, page_credits: int, keyed: _KeyedJob | None) -> Meter:
        """Charge the job's credits before any work, or refuse with 402: then nothing is
        created, and the pages admitted to the queue go back."""
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        credits = pages * page_credits
        reservation = await asyncio.to_thread(self._metering.reserve, meter, credits)
        if reservation.reserved:
            metrics.credits_charged(credits, caller.plan.name)
            return meter
        await asyncio.to_thread(self._jobs.release, pages)
        await self._forget_key(keyed)
        raise out_of_credits(meter, reservation, credits)

    async def _forget_key(self, keyed: _KeyedJob | None) -> None:
        if keyed is not None:
            await asyncio.to_thread(self._idempotency.forget, keyed.owner, keyed.key, keyed.job_id)
