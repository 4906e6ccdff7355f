"""Reading a multipart upload with a size limit enforced while the body streams in."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import Message


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The upload exceeds the limit of {limit / (1024 * 1024):g} MB.")


async def read_form(request: Request, limit: int) -> FormData:
    """Parse the multipart form, stopping as soon as more than `limit` bytes arrived.

    Files are spooled to disk past 1 MB by Starlette, so memory stays bounded too.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(limit)
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise UploadTooLarge(limit)
        return message

    limited = Request(request.scope, receive=limited_receive)
    return await limited.form(max_files=1, max_fields=16)
