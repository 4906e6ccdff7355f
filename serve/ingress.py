"""The HTTP API (FastAPI) as the Ray Serve ingress deployment."""

import asyncio

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from ray import serve
from ray.serve.handle import DeploymentHandle
from redis.asyncio import Redis
from starlette.datastructures import UploadFile

from accounts.tokens import account_for_token
from configs.settings import Settings
from pipelines.documents import DocumentError, Limits, open_document
from pipelines.jobs import JobStore, finish_job, new_job
from pipelines.options import OptionError, parse_options
from pipelines.recognize import recognize_document
from serve.upload import UploadTooLarge, read_form

_SUBMIT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "tier": {"type": "string", "enum": ["cpu", "vlm"], "default": "cpu"},
                        "language": {"type": "string", "default": "auto"},
                        "tool": {"type": "string"},
                        "translate_to": {"type": "string"},
                    },
                }
            }
        },
    }
}

app = FastAPI(
    title="OCR.chat-compatible OCR service",
    description="Images and PDFs in; text, Markdown and per-block boxes out.",
)


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # The contract has no 422: a malformed request is a 400 with a message.
    return JSONResponse({"detail": "Invalid request: " + "; ".join(e["msg"] for e in exc.errors())}, status_code=400)


def _form_text(form, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise HTTPException(400, f"The field {name!r} must be text, not a file.")
    return value


@serve.deployment(name="Ingress")
@serve.ingress(app)
class Ingress:
    def __init__(self, ocr: DeploymentHandle, settings: Settings) -> None:
        self._ocr = ocr
        self._settings = settings
        self._redis = Redis.from_url(settings.effective_redis_url)
        self._jobs = JobStore(self._redis, settings.result_ttl_seconds)
        self._limits = Limits(settings.max_pages, settings.max_page_pixels, settings.pdf_dpi)

    async def _caller(self, request: Request) -> str:
        """The owner id of the request: the account of its token, or the anonymous client IP."""
        token = request.query_params.get("api_token")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        if token:
            account_id = await account_for_token(self._redis, token)
            if account_id is None:
                raise HTTPException(401, "Invalid or revoked API token.")
            return f"account:{account_id}"
        return f"anon:{request.client.host if request.client else 'unknown'}"

    @app.get("/healthz", include_in_schema=False)
    async def healthz(self) -> dict:
        try:
            await asyncio.wait_for(self._redis.ping(), timeout=2)
            await asyncio.wait_for(self._ocr.ping.remote(), timeout=5)
        except Exception as exc:  # any failure means not able to take a document now
            raise HTTPException(503, f"Not ready: {type(exc).__name__}") from exc
        return {"status": "ok"}

    @app.post("/api/v1/ocr/", openapi_extra=_SUBMIT_FORM, summary="Submit a document")
    async def submit(self, request: Request) -> dict:
        owner = await self._caller(request)
        try:
            form = await read_form(request, self._settings.max_upload_bytes)
        except UploadTooLarge as exc:
            raise HTTPException(400, str(exc)) from exc
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "No file: send the document in the multipart field 'file'.")
        try:
            options = parse_options(*(_form_text(form, n) for n in ("tier", "language", "tool", "translate_to")))
        except OptionError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        data = await upload.read()
        await form.close()
        try:
            document = await asyncio.to_thread(open_document, data, self._limits)
            try:
                job = new_job(
                    tier=options.tier,
                    language=options.language,
                    tool=options.tool,
                    filename=upload.filename or "document",
                    page_count=document.page_count,
                )
                pages = await recognize_document(document, self._ocr.recognize.remote)
            finally:
                document.close()
        except DocumentError as exc:
            raise HTTPException(400, str(exc)) from exc
        finish_job(job, pages, self._settings.result_ttl_seconds)
        await self._jobs.save(job, owner)
        return job

    @app.get("/api/v1/ocr/{job_id}/", summary="Poll a job")
    async def get_job(self, job_id: str, request: Request) -> dict:
        owner = await self._caller(request)
        found = await self._jobs.load(job_id)
        if found is None or found[1] != owner:
            raise HTTPException(404, f"No job {job_id!r} (unknown, deleted or expired).")
        return found[0]
