"""`/api/v1/ocr/`: submit a document, poll its job, cancel or delete it."""

from fastapi import APIRouter, HTTPException, Query, Request, Response

from pipelines.jobs.schema import Job
from serve.openapi import ACCOUNT_OR_ANONYMOUS, DELETED, errors, ok
from serve.request_fields import SUBMIT_FORM, form_flag, form_text
from serve.routes.dependencies import CallerDep, ServicesDep
from serve.services.submission import FIELDS, Upload
from serve.upload import ReceivedFile, UploadTooLarge, UploadTooSlow, read_form

# The longest a poll may wait for its job to end: under the 60 s read timeout of common proxies.
MAX_POLL_WAIT_SECONDS = 50

router = APIRouter(prefix="/api/v1/ocr")


@router.post(
    "/",
    summary="Submit a document",
    openapi_extra=SUBMIT_FORM | ACCOUNT_OR_ANONYMOUS,
    responses=ok(Job, "The job: done for a small document, else pending or processing.")
    | errors(400, 401, 402, 408, 429, 503),
)
async def submit(request: Request, services: ServicesDep, caller: CallerDep) -> Response:
    submission = services.submission
    upload = await _read_upload(request, submission.max_upload_bytes, submission.upload_deadline_seconds)
    job_id = await services.submission.submit(caller, upload)
    return await services.job_views.job(job_id, caller.owner)


async def _read_upload(request: Request, max_bytes: int, deadline_seconds: float) -> Upload:
    try:
        form = await read_form(request, max_bytes, deadline_seconds)
    except UploadTooLarge as exc:
        raise HTTPException(400, str(exc)) from exc
    except UploadTooSlow as exc:
        raise HTTPException(408, str(exc)) from exc
    file = form.get("file")
    if not isinstance(file, ReceivedFile):
        raise HTTPException(400, "No file: send the document in the multipart field 'file'.")
    fields = {name: form_text(form, name) for name in FIELDS}
    key = request.headers.get("idempotency-key")
    return Upload(file.data, file.filename or "document", fields, form_flag(form, "force_ocr"), key)


@router.get(
    "/{job_id}/",
    summary="Poll a job",
    openapi_extra=ACCOUNT_OR_ANONYMOUS,
    responses=ok(Job, "The job.") | errors(401, 404),
)
async def get_job(
    job_id: str,
    services: ServicesDep,
    caller: CallerDep,
    wait: float = Query(
        0,
        ge=0,
        le=MAX_POLL_WAIT_SECONDS,
        description="Seconds to hold the poll until the job ends (done or failed); it is answered "
        "within milliseconds of the end, or with the job as it is after `wait` seconds. 0: at once.",
    ),
) -> Response:
    return await services.job_views.job_after_wait(job_id, caller.owner, wait)


@router.delete(
    "/{job_id}/",
    summary="Cancel a running job or delete a finished one",
    openapi_extra=ACCOUNT_OR_ANONYMOUS,
    responses=ok(Job, "A running job was cancelled: the job, failed with `error: cancelled`.")
    | DELETED
    | errors(401, 404),
)
async def delete_job(job_id: str, services: ServicesDep, caller: CallerDep) -> Response:
    """A running job is cancelled between pages (200, the job, `error: cancelled`); a finished
    one is deleted with its results (204)."""
    return await services.job_views.cancel_or_delete(job_id, caller.owner)
