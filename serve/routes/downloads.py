"""`/api/v1/ocr/<uuid>/download/`: a finished job as a file."""

from fastapi import APIRouter, Response

from serve.openapi import ACCOUNT_OR_ANONYMOUS, DOWNLOAD, errors
from serve.routes.dependencies import CallerDep, ServicesDep

router = APIRouter(prefix="/api/v1/ocr")


@router.get(
    "/{job_id}/download/",
    summary="Download a finished job as txt, md, docx, pdf, csv or json",
    openapi_extra=ACCOUNT_OR_ANONYMOUS,
    responses=DOWNLOAD | errors(400, 401, 404, 409),
)
async def download(job_id: str, services: ServicesDep, caller: CallerDep, format: str | None = None) -> Response:
    """The job as a file. 400 for an unknown format, 404 for an unknown job, 409 while the
    job runs (or when it ended with nothing to download)."""
    return await services.downloads.download(job_id, caller.owner, format)
