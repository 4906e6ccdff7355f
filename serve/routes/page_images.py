"""`/api/v1/ocr/<uuid>/pages/<index>/image`: a page of a finished job as an image (the web page's viewer)."""

from fastapi import APIRouter, Query, Response

from serve.openapi import ACCOUNT_OR_ANONYMOUS, errors
from serve.routes.dependencies import CallerDep, ServicesDep
from serve.services.page_images import MAX_WIDTH

router = APIRouter(prefix="/api/v1/ocr")
DEFAULT_WIDTH = 1200

JPEG = {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}
IMAGE = {200: {"description": "The page as a JPEG image.", "content": JPEG}}


@router.get(
    "/{job_id}/pages/{index}/image",
    summary="A page of a finished job as an image",
    openapi_extra=ACCOUNT_OR_ANONYMOUS,
    response_class=Response,
    responses=IMAGE | errors(400, 401, 404, 409),
)
async def page_image(
    job_id: str,
    index: int,
    services: ServicesDep,
    caller: CallerDep,
    width: int = Query(DEFAULT_WIDTH, description=f"The image's width in pixels, up to {MAX_WIDTH}."),
) -> Response:
    """Page `index` (0-based, as the job's `pages[].index`) rendered from the job's searchable
    PDF; the blocks' boxes scale to it by `width / page.width`. 404 for a job not the caller's."""
    return await services.page_images.image(job_id, caller.owner, index, width)
