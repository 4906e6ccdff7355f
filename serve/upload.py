"""Reading a multipart upload with a size limit enforced while the body streams in."""

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The upload exceeds the limit of {limit / (1024 * 1024):g} MB.")


async def read_form(request: Request, limit: int) -> FormData:
    """Parse the multipart form, stopping as soon as more than `limit` bytes arrived. A body that
    is not a multipart form gives an empty form (the caller then says that the file is missing).

    The file is kept in memory (at most `limit` bytes): it is read whole right after anyway.
    Starlette's default spools a file past 1 MB to disk, chunk by chunk through its thread pool,
    which is slower (docs/capacity.md, "Figures behind design choices").
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(limit)
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        return FormData()
    async with aclosing(_limited(request.stream(), limit)) as body:
        parser = MultiPartParser(request.headers, body, max_files=1, max_fields=16)
        parser.spool_max_size = limit
        try:
            return await parser.parse()
        except MultiPartException as exc:
            raise HTTPException(400, exc.message) from exc


async def _limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(limit)
        yield chunk
