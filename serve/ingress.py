"""The HTTP API (FastAPI) as the Ray Serve ingress deployment: requests in, jobs out.

The ingress checks the upload and the caller, creates the job in Redis and hands it to the
job runner; it waits for small documents and returns long ones at once as `pending`.
"""

import asyncio
import itertools
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime

import ray
from fastapi import HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from ray import serve
from ray.serve.handle import DeploymentHandle, DeploymentResponse
from starlette.datastructures import UploadFile

from accounts.metering import Meter, Metering, meter_for
from accounts.plans import page_cost
from accounts.rate_limit import over_limit
from configs.settings import Settings
from engines.chat_model import ChatModel
from engines.languages import LANGUAGES
from exports.formats import FORMATS, content_disposition, download_name, job_export
from pipelines import metrics
from pipelines.chat.service import ChatService
from pipelines.chat.translation import Translator
from pipelines.documents.document import DocumentError, Limits
from pipelines.errors import describe_error
from pipelines.execution.blocks import DocumentPages, probe_document
from pipelines.execution.page_loop import PageOptions
from pipelines.heap import freeze_startup_objects
from pipelines.jobs.idempotency import IdempotencyError, IdempotencyKeys, document_digest
from pipelines.jobs.options import TOOLS, Capabilities, JobOptions, OptionError, parse_options
from pipelines.jobs.page_selection import PageSelectionError
from pipelines.jobs.record import FINAL_STATUSES, new_job
from pipelines.jobs.store import EXPORTS_KEPT, JobStore, async_redis_client, redis_client
from serve.api_errors import ApiError, check_plan_cap, install_error_handlers, no_job, out_of_credits
from serve.callers import Caller, caller_for, trusted_networks
from serve.job_ends import JobEnds
from serve.openapi import (
    ACCOUNT_ONLY,
    ACCOUNT_OR_ANONYMOUS,
    DELETED,
    DOWNLOAD,
    Account,
    ChatHistory,
    ChatReply,
    DocumentedFastAPI,
    Job,
    errors,
    ok,
)
from serve.request_fields import CHAT_BODY, SUBMIT_FORM, chat_message, form_flag, form_text
from serve.upload import UploadTooLarge, read_form

# For Retry-After: roughly how long one queued page takes to drain on a small deployment.
_SECONDS_PER_QUEUED_PAGE = 4
# The longest a poll may wait for its job to end: under the 60 s read timeout of common proxies.
MAX_POLL_WAIT_SECONDS = 50
NO_TRANSLATION_MODEL = (
    "tool=translate needs a language model, and this server has none (OCRCHAT_CHAT_LLM_URL is unset)."
)


app = DocumentedFastAPI(
    title="OCR.chat-compatible OCR service",
    description="Images and PDFs in; text, Markdown and per-block boxes out.",
)
install_error_handlers(app)


def _chat_model(settings: Settings) -> ChatModel | None:
    if not settings.chat_llm_url:
        return None
    return ChatModel(
        settings.chat_llm_url, settings.chat_llm_model, settings.chat_llm_api_key, settings.chat_llm_timeout_seconds
    )


@serve.deployment(name="Ingress")
@serve.ingress(app)
class Ingress:
    def __init__(self, runner: DeploymentHandle, settings: Settings, vlm_missing: str | None) -> None:
        """`vlm_missing`: why this deployment has no vlm tier (None: it has one)."""
        self._runner = runner
        self._settings = settings
        self._serves = Capabilities(vlm_missing, None if settings.chat_llm_url else NO_TRANSLATION_MODEL)
        self._redis = async_redis_client(settings.effective_redis_url)
        self._job_ends = JobEnds(self._redis, settings.max_waiting_polls)
        store_client = redis_client(settings.effective_redis_url)
        binary_client = redis_client(settings.effective_redis_url, decode_responses=False)
        self._jobs = JobStore(store_client, settings.result_ttl_seconds, binary_client)
        self._idempotency = IdempotencyKeys(store_client, settings.idempotency_ttl_seconds)
        self._limits = Limits(settings.max_page_pixels, settings.pdf_dpi)
        self._metering = Metering(store_client)
        # The deployment's language model, if any: it phrases chat answers and translates.
        self._language_model = _chat_model(settings)
        self._chat = ChatService(self._jobs, store_client, binary_client, self._language_model, settings.chat_passages)
        self._trusted_proxies = trusted_networks(settings.trusted_proxies)
        self._background: set[asyncio.Task] = set()
        freeze_startup_objects()  # no request pays for a collection that scans every module

    async def _caller(self, request: Request) -> Caller:
        return await caller_for(request, self._redis, self._settings, self._trusted_proxies)

    async def _owner(self, request: Request) -> str:
        return (await self._caller(request)).owner

    async def _own_job(self, job_id: str, owner: str) -> Response:
        """The job as a JSON response, or 404 when it is not the caller's (or does not exist).
        Streamed when it is long: a job of thousands of pages is read and sent a few hundred pages
        at a time. A job in one piece (any poll while it runs) is sent whole: a stream cost the
        ingress and the proxy 12 ms of CPU a poll, a plain response 8 ms."""
        found = await asyncio.to_thread(self._job_pieces, job_id)
        if found is None or found[2] != owner:
            raise no_job(job_id)
        read, rest, _ = found
        if rest is None:
            return Response(read[0], media_type="application/json")
        return StreamingResponse(itertools.chain(read, rest), media_type="application/json")

    def _job_pieces(self, job_id: str) -> tuple[list[str], Iterator[str] | None, str] | None:
        """The job's first pieces of JSON and the rest to read (None when there is none); its owner."""
        found = self._jobs.load_json_chunks(job_id)
        if found is None:
            return None
        chunks, owner = found
        first, second = next(chunks), next(chunks, None)
        return ([first], None, owner) if second is None else ([first, second], chunks, owner)

    @app.get("/healthz", include_in_schema=False)
    async def healthz(self) -> dict:
        try:
            await asyncio.wait_for(self._redis.ping(), timeout=2)
            await asyncio.wait_for(self._runner.ping.remote(), timeout=5)
        except Exception as exc:  # any failure means not able to take a document now
            raise HTTPException(503, f"Not ready: {type(exc).__name__}") from exc
        return {"status": "ok"}

    @app.post(
        "/api/v1/ocr/",
        summary="Submit a document",
        openapi_extra=SUBMIT_FORM | ACCOUNT_OR_ANONYMOUS,
        responses=ok(Job, "The job: done for a small document, else pending or processing.")
        | errors(400, 401, 402, 429, 503),
    )
    async def submit(self, request: Request) -> Response:
        caller = await self._caller(request)
        owner = caller.owner
        try:
            form = await read_form(request, self._settings.max_upload_bytes)
        except UploadTooLarge as exc:
            raise HTTPException(400, str(exc)) from exc
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "No file: send the document in the multipart field 'file'.")
        fields = {name: form_text(form, name) for name in ("tier", "language", "tool", "translate_to", "pages")}
        force_ocr = form_flag(form, "force_ocr")
        try:
            options = parse_options(
                fields["tier"], fields["language"], fields["tool"], fields["translate_to"], self._serves
            )
        except OptionError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        data = await upload.read()
        await form.close()
        pages = await self._pages_to_process(data, fields["pages"])
        indices, page_count = pages.indices, pages.page_count
        check_plan_cap(len(indices), caller.plan)
        job = new_job(
            tier=options.tier,
            language=options.language,
            tool=options.tool,
            filename=upload.filename or "document",
            page_count=len(indices),
            document_page_count=page_count,
        )
        key = request.headers.get("idempotency-key")
        if key is not None:
            digest = document_digest(data, f"{sorted(fields.items())} {force_ocr}")
            earlier = await self._earlier_job(owner, key, job["uuid"], digest)
            if earlier is not None:
                return earlier
        await self._admit(len(indices), owner, key)
        page_credits = page_cost(options.tier, self._settings)
        meter = await self._reserve(caller, len(indices), page_credits, key)
        try:
            await asyncio.to_thread(self._jobs.create, job, owner, meter, page_credits)
        except Exception:  # Redis failed us: the pages must not stay queued nor charged
            await asyncio.to_thread(self._jobs.release, len(indices))
            await asyncio.to_thread(self._metering.refund, meter.key, meter.field, len(indices) * page_credits)
            raise
        metrics.upload_accepted(len(data))
        page_options = self._page_options(options, force_ocr)
        await self._dispatch(job["uuid"], data, pages, page_options, caller, key)
        return await self._own_job(job["uuid"], owner)

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
        self, job_id: str, data: bytes, pages: DocumentPages, options: PageOptions, caller: Caller, key: str | None
    ) -> None:
        """Hand the job to the runner; wait for it when it is small. When the runner cannot take
        it, the job fails (its pages go back to the queue) and the caller gets a 503."""
        try:
            response = self._runner.run.remote(job_id, [ray.put(data)], pages, options, caller.plan.priority)
            if len(pages.indices) <= self._settings.sync_max_pages:
                await response
            else:
                self._in_background(response)
        except Exception as exc:  # the runner or the object store failed us, not the document
            error = f"The service could not run the job: {describe_error(exc)}"
            await asyncio.to_thread(self._jobs.fail, job_id, error)
            if key is not None:
                await asyncio.to_thread(self._idempotency.forget, caller.owner, key)
            raise ApiError(503, error + " Retry later.", headers={"Retry-After": "10"}) from exc

    async def _pages_to_process(self, data: bytes, pages: str | None) -> DocumentPages:
        """The document's probe: its page count, the 0-based pages to process and their text-layer
        hints; 400 when the document cannot be read, `pages` is wrong, or more pages are asked
        than the per-file cap."""
        try:
            probe = await asyncio.to_thread(probe_document, data, self._limits, pages, self._settings.max_pages)
        except (DocumentError, PageSelectionError) as exc:
            raise HTTPException(400, str(exc)) from exc
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

    async def _earlier_job(self, owner: str, key: str, job_id: str, digest: str) -> Response | None:
        """The job an earlier request with this Idempotency-Key created, or None after binding
        the key to `job_id`."""
        try:
            earlier = await asyncio.to_thread(self._idempotency.claim, owner, key, job_id, digest)
            if earlier is None:
                return None
            found = await asyncio.to_thread(self._jobs.load_json, earlier)
            if found is not None and found[1] == owner:
                return Response(found[0], media_type="application/json")
            # The earlier job was deleted or has expired: the key starts over.
            await asyncio.to_thread(self._idempotency.forget, owner, key)
            return await self._earlier_job(owner, key, job_id, digest)
        except IdempotencyError as exc:
            raise HTTPException(400, str(exc)) from exc

    async def _admit(self, pages: int, owner: str, key: str | None) -> None:
        """Queue the pages, or refuse with 429 when the cluster already holds its fill."""
        queued = await asyncio.to_thread(self._jobs.admit, pages, self._settings.max_queued_pages)
        if queued is None:
            metrics.queue_depth(await asyncio.to_thread(self._jobs.queued_pages))
            return
        if key is not None:
            await asyncio.to_thread(self._idempotency.forget, owner, key)
        wait = max(5, min(3600, (queued + pages - self._settings.max_queued_pages) * _SECONDS_PER_QUEUED_PAGE))
        raise ApiError(
            429,
            f"The service is at capacity ({queued} pages queued); retry after {wait} seconds.",
            headers={"Retry-After": str(wait)},
            queued_pages=queued,
        )

    async def _reserve(self, caller: Caller, pages: int, page_credits: int, key: str | None) -> Meter:
        """Charge the job's credits before any work, or refuse with 402: then nothing is
        created, and the pages admitted to the queue go back."""
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        credits = pages * page_credits
        reservation = await asyncio.to_thread(self._metering.reserve, meter, credits)
        if reservation.reserved:
            metrics.credits_charged(credits, caller.plan.name)
            return meter
        await asyncio.to_thread(self._jobs.release, pages)
        if key is not None:
            await asyncio.to_thread(self._idempotency.forget, caller.owner, key)
        raise out_of_credits(meter, reservation, credits)

    def _in_background(self, response: DeploymentResponse) -> None:
        """Keep the runner call referenced until it ends; its outcome is in the job record."""
        task = asyncio.create_task(self._wait_quietly(response))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _wait_quietly(response: DeploymentResponse) -> None:
        try:
            await response
        except Exception:  # the runner records failures in the job itself
            pass

    @app.get("/api/v1/languages/", summary="The languages the cpu tier reads")
    async def languages(self) -> dict:
        """Every accepted `language` code: its name, script, the engine that reads it and the
        other codes accepted for it. `auto` detects the script per page."""
        return {
            "auto": "Detect the script (and language where it matters) on each page.",
            "languages": [asdict(language) for language in LANGUAGES.values()],
        }

    @app.get("/api/v1/capabilities/", summary="What this deployment serves")
    async def capabilities(self) -> dict:
        """The tiers, tools, languages, download formats and chat mode of this deployment."""
        return {
            "tiers": {
                "cpu": {
                    "available": True,
                    "engines": ["paddle", "tesseract", "pymupdf"],
                    "profile": self._settings.cpu_profile,
                },
                "vlm": {"available": self._serves.vlm_missing is None, "reason": self._serves.vlm_missing},
            },
            "tools": {slug: self._tool_capability(slug) for slug in TOOLS},
            "languages": {"count": len(LANGUAGES), "auto": True, "list": "/api/v1/languages/"},
            "formats": list(FORMATS),
            "chat": {"mode": "extractive" if self._language_model is None else "language_model"},
        }

    def _tool_capability(self, slug: str) -> dict:
        tool = TOOLS[slug]
        missing = self._serves.vlm_missing if tool.vlm_only else None
        missing = missing or (self._serves.translation_missing if tool.translates else None)
        return {"description": tool.description, "available": missing is None, "reason": missing}

    @app.get(
        "/api/v1/account/",
        summary="The caller's plan and usage",
        response_model=None,  # the body is described by `responses`
        openapi_extra=ACCOUNT_OR_ANONYMOUS,
        responses=ok(Account, "The plan, the usage of the current period and the balance.") | errors(401),
    )
    async def account(self, request: Request) -> dict:
        """Plan, credits used and cap of the current period (or of the purchased credits), and
        the balance; anonymous callers see their IP's daily allowance."""
        caller = await self._caller(request)
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        used, cap = await asyncio.to_thread(self._metering.usage, meter)
        return {
            "account": caller.account_id,
            "plan": caller.plan.name,
            "allowance": meter.allowance,
            "period": meter.period,
            "used": used,
            "cap": cap,
            "balance": max(0, cap - used),
            "max_pages_per_file": caller.plan.max_pages_per_file,
            "page_credits": {"cpu": page_cost("cpu", self._settings), "vlm": page_cost("vlm", self._settings)},
        }

    @app.get(
        "/api/v1/ocr/{job_id}/",
        summary="Poll a job",
        openapi_extra=ACCOUNT_OR_ANONYMOUS,
        responses=ok(Job, "The job.") | errors(401, 404),
    )
    async def get_job(
        self,
        job_id: str,
        request: Request,
        wait: float = Query(
            0,
            ge=0,
            le=MAX_POLL_WAIT_SECONDS,
            description="Seconds to hold the poll until the job ends (done or failed); it is answered "
            "within milliseconds of the end, or with the job as it is after `wait` seconds. 0: at once.",
        ),
    ) -> Response:
        owner = await self._owner(request)
        await self._job_ends.wait(job_id, wait, lambda: self._nothing_to_wait_for(job_id, owner))
        return await self._own_job(job_id, owner)

    async def _nothing_to_wait_for(self, job_id: str, owner: str) -> bool:
        """Whether the job has ended (done or failed), or is not the caller's to wait for (another's,
        deleted, expired, or never was: the answer is then a 404 at once)."""
        found = await asyncio.to_thread(self._jobs.status_and_owner, job_id)
        return found is None or found[1] != owner or found[0] in FINAL_STATUSES

    @app.get(
        "/api/v1/ocr/{job_id}/download/",
        summary="Download a finished job as txt, md, docx, pdf, csv or json",
        openapi_extra=ACCOUNT_OR_ANONYMOUS,
        responses=DOWNLOAD | errors(400, 401, 404, 409),
    )
    async def download(self, job_id: str, request: Request, format: str | None = None) -> Response:
        """The job as a file. 400 for an unknown format, 404 for an unknown job, 409 while the
        job runs (or when it ended with nothing to download)."""
        if format not in FORMATS:
            raise ApiError(400, f"Unknown format {format!r}: use format= one of {', '.join(FORMATS)}.")
        owner = await self._owner(request)
        found = await asyncio.to_thread(self._jobs.load_json, job_id)
        if found is None or found[1] != owner:
            raise no_job(job_id)
        job_text = found[0]
        job = json.loads(job_text)
        self._check_downloadable(job)
        headers = {"Content-Disposition": content_disposition(download_name(job["filename"], format))}
        media_type = FORMATS[format].media_type
        if format == "json":
            return Response(job_text, media_type=media_type, headers=headers)
        if format in EXPORTS_KEPT:
            data = await asyncio.to_thread(self._jobs.export, job_id, format)
            if data is None:
                raise ApiError(409, f"The {format} export of this job is not available: it ended before it was made.")
            return Response(data, media_type=media_type, headers=headers)
        content = await asyncio.to_thread(job_export, job, format)
        if isinstance(content, bytes):
            return Response(content, media_type=media_type, headers=headers)
        return StreamingResponse(content, media_type=media_type, headers=headers)

    @staticmethod
    def _check_downloadable(job: dict) -> None:
        if job["status"] not in FINAL_STATUSES:
            raise ApiError(
                409,
                f"The job is {job['status']} ({job['pages_done']} of {job['page_count']} pages done); "
                "download it once its status is done.",
            )
        if job["pages_done"] == 0:
            raise ApiError(409, f"The job failed with nothing to download: {job['error']}")

    @app.post(
        "/api/v1/chat/{job_id}/",
        summary="Ask a question about a finished job",
        response_model=None,  # the body is described by `responses`
        openapi_extra=CHAT_BODY | ACCOUNT_ONLY,
        responses=ok(ChatReply, "The answer, citing pages.") | errors(400, 401, 402, 404, 409, 429),
    )
    async def chat(self, job_id: str, request: Request) -> dict:
        """Answer from the job's text only, citing pages (from 1). Accounts only (401), the
        caller's own ended job (404, 409); metered and rate limited per account (402, 429)."""
        caller = await self._chat_caller(request)
        message = await chat_message(request)
        await self._chattable_job(job_id, caller.owner)
        await self._check_chat_rate(caller)
        meter = meter_for(caller.owner, caller.plan, datetime.now(UTC))
        credits = self._settings.chat_message_credits
        reservation = await asyncio.to_thread(self._metering.reserve, meter, credits)
        if not reservation.reserved:
            raise out_of_credits(meter, reservation, credits)
        metrics.credits_charged(credits, caller.plan.name)
        try:
            reply = await asyncio.to_thread(self._chat.ask, job_id, message)
        except Exception:
            await asyncio.to_thread(self._metering.refund, meter.key, meter.field, credits)
            raise
        return reply.to_json()

    @app.get(
        "/api/v1/chat/{job_id}/history/",
        summary="The whole conversation about a job",
        response_model=None,  # the body is described by `responses`
        openapi_extra=ACCOUNT_ONLY,
        responses=ok(ChatHistory, "The conversation's id and its turns, oldest first.") | errors(401, 404),
    )
    async def chat_history(self, job_id: str, request: Request) -> dict:
        caller = await self._chat_caller(request)
        found = await asyncio.to_thread(self._jobs.status_and_owner, job_id)
        if found is None or found[1] != caller.owner:
            raise no_job(job_id)
        conversation = await asyncio.to_thread(self._chat.conversation, job_id)
        return {"conversation": conversation, "messages": await asyncio.to_thread(self._chat.history, job_id)}

    async def _chat_caller(self, request: Request) -> Caller:
        caller = await self._caller(request)
        if caller.account_id is None:
            raise ApiError(401, "Chat needs an account: send its API token (Authorization: Bearer ...).")
        return caller

    async def _chattable_job(self, job_id: str, owner: str) -> None:
        """404 unless it is the caller's job; 409 until it has ended with pages to read (cheap:
        the job's record is not loaded)."""
        found = await asyncio.to_thread(self._jobs.status_and_owner, job_id)
        if found is None or found[1] != owner:
            raise no_job(job_id)
        if found[0] not in FINAL_STATUSES:
            raise ApiError(409, f"The job is {found[0]}; ask about it once its status is done.")
        done, _ = await asyncio.to_thread(self._jobs.counts, job_id)
        if done == 0:
            raise ApiError(409, "The job ended without any page read: there is nothing to ask about.")

    async def _check_chat_rate(self, caller: Caller) -> None:
        limit, now = self._settings.chat_messages_per_minute, datetime.now(UTC)
        wait = await asyncio.to_thread(over_limit, self._jobs.client, "chat", caller.account_id, limit, now)
        if wait is not None:
            raise ApiError(429, f"Too many chat questions: at most {limit} a minute. Retry in {wait} s.",
                           headers={"Retry-After": str(wait)})  # fmt: skip

    @app.delete(
        "/api/v1/ocr/{job_id}/",
        summary="Cancel a running job or delete a finished one",
        openapi_extra=ACCOUNT_OR_ANONYMOUS,
        responses=ok(Job, "A running job was cancelled: the job, failed with `error: cancelled`.")
        | DELETED
        | errors(401, 404),
    )
    async def delete_job(self, job_id: str, request: Request) -> Response:
        """A running job is cancelled between pages (200, the job, `error: cancelled`); a finished
        one is deleted with its results (204)."""
        owner = await self._owner(request)
        found = await asyncio.to_thread(self._jobs.status_and_owner, job_id)
        if found is None or found[1] != owner:
            raise no_job(job_id)
        if found[0] in ("pending", "processing"):
            await asyncio.to_thread(self._jobs.cancel, job_id)
            return await self._own_job(job_id, owner)
        await asyncio.to_thread(self._jobs.delete, job_id)
        return Response(status_code=204)
