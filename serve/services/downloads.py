"""A finished job as a file: txt, md, docx, pdf, csv or json."""

import asyncio
import json

from fastapi import Response
from fastapi.responses import StreamingResponse

from exports.formats import FORMATS, content_disposition, download_name, job_export
from pipelines.jobs.record import FINAL_STATUSES
from pipelines.jobs.store import EXPORTS_KEPT, JobStore
from serve.api_errors import ApiError, no_job


class Downloads:
    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs

    async def download(self, job_id: str, owner: str, format: str | None) -> Response:
        """400 for an unknown format, 404 for a job not the caller's, 409 while the job runs (or
        when it ended with nothing to download)."""
        if format not in FORMATS:
            raise ApiError(400, f"Unknown format {format!r}: use format= one of {', '.join(FORMATS)}.")
        found = await asyncio.to_thread(self._jobs.load_json, job_id)
        if found is None or found[1] != owner:
            raise no_job(job_id)
        job_text = found[0]
        job = json.loads(job_text)
        _check_downloadable(job)
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


def _check_downloadable(job: dict) -> None:
    if job["status"] not in FINAL_STATUSES:
        raise ApiError(
            409,
            f"The job is {job['status']} ({job['pages_done']} of {job['page_count']} pages done); "
            "download it once its status is done.",
        )
    if job["pages_done"] == 0:
        raise ApiError(409, f"The job failed with nothing to download: {job['error']}")
