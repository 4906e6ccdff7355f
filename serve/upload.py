"""Reading a multipart upload: the file into one buffer as the body streams in, with a size limit
and an overall deadline enforced while it arrives.

The file is never spooled to disk nor copied once received (Starlette's parser would spool it
and `read()` would copy it): the ingress holds one copy of an upload.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_FIELDS = 16
MAX_FIELD_BYTES = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The upload exceeds the limit of {limit / (1024 * 1024):g} MB.")


class UploadTooSlow(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"The upload did not arrive within {seconds:g} seconds; send it again on a faster link.")


@dataclass
class ReceivedFile:
    filename: str
    data: bytearray


@dataclass
class ReceivedForm:
    """The form's text fields (the first of each name) and its file, if any."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, ReceivedFile] = field(default_factory=dict)

    def get(self, name: str) -> str | ReceivedFile | None:
        return self.files.get(name) or self.fields.get(name)


async def read_form(request: Request, limit: int, deadline_seconds: float) -> ReceivedForm:
    """Parse the multipart form; UploadTooLarge as soon as more than `limit` bytes arrived,
    UploadTooSlow when it has not all arrived after `deadline_seconds`, a 400 when it is not
    well formed. A body that is not a multipart form gives an empty form (the caller then says
    that the file is missing)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(limit)
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        return ReceivedForm()
    if b"boundary" not in options:
        raise HTTPException(400, "Invalid multipart form: it has no boundary.")
    collector = _FormCollector()
    parser = MultipartParser(options[b"boundary"], collector.callbacks())
    try:
        async with asyncio.timeout(deadline_seconds):
            async for chunk in _limited(request.stream(), limit):
                parser.write(chunk)
        parser.finalize()
    except TimeoutError as exc:
        raise UploadTooSlow(deadline_seconds) from exc
    except (FormParserError, _BadForm) as exc:
        raise HTTPException(400, f"Invalid multipart form: {exc}") from exc
    return collector.form


async def _limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(limit)
        yield chunk


class _BadForm(ValueError):
    pass


class _FormCollector:
    """python-multipart's callbacks: each part's headers, then its data into one buffer."""

    def __init__(self) -> None:
        self.form = ReceivedForm()
        self._header_name = self._header_value = b""
        self._disposition: dict[bytes, bytes] = {}
        self._data = bytearray()

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._disposition, self._data = {}, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = parse_options_header(self._header_value)[1]
        self._header_name = self._header_value = b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += memoryview(data)[start:end]
        if not self._is_file() and len(self._data) > MAX_FIELD_BYTES:
            raise _BadForm(f"a text field is longer than {MAX_FIELD_BYTES // 1024} KB")

    def _part_end(self) -> None:
        options = self._disposition
        if b"name" not in options:
            raise _BadForm('a part has no Content-Disposition "name"')
        name = options[b"name"].decode("utf-8", "replace")
        if self._is_file():
            if self.form.files:
                raise _BadForm("too many files (send one, in the field 'file')")
            filename = options[b"filename"].decode("utf-8", "replace")
            self.form.files[name] = ReceivedFile(filename, self._data)
        elif len(self.form.fields) >= MAX_FIELDS:
            raise _BadForm(f"too many fields (at most {MAX_FIELDS})")
        else:
            self.form.fields.setdefault(name, self._data.decode("utf-8", "replace"))

    def _is_file(self) -> bool:
        return b"filename" in self._disposition
