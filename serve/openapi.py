"""The OpenAPI description of the API (`/openapi.json`, `/docs`): the bodies it answers, the
error responses of each route, and the auth.

The routes parse their input and build their answers themselves, so what FastAPI infers from
them says little: the routes name their responses with `responses=` (`errors(400, 404)` for
the errors) and `DocumentedFastAPI` tidies the generated schema once. The job object's schema
and the others are the typed dicts their code builds (`pipelines.jobs.schema`,
`pipelines.chat.schema`, `serve.services.catalog.Account`, `serve.api_errors.ErrorBody`).
"""

from fastapi import FastAPI

from exports.formats import FORMATS
from pipelines.jobs.schema import Job
from serve.api_errors import ErrorBody

_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
# code: (what it means, whether Retry-After always comes with it)
_ERRORS = {
    400: ("Bad input: no file, an unreadable or too large document, a bad field, an unknown format.", False),
    401: ("An unknown or revoked API token; on chat also a missing one.", False),
    402: ("Out of credits, or more pages than the plan allows per file (`used`, `cap`, `allowance`).", False),
    404: ("No such job of the caller's: unknown, another caller's, deleted or expired.", False),
    408: ("The upload did not arrive within the deadline (`OCRCHAT_UPLOAD_DEADLINE_SECONDS`).", False),
    409: ("The job has not ended yet, or ended with nothing to download or ask about.", False),
    429: ("At capacity (`queued_pages`), or too many chat questions: retry after `Retry-After`.", True),
    503: ("A tier or tool this deployment lacks, or the service cannot run the job now.", False),
}


def errors(*codes: int) -> dict[int | str, dict]:
    """The `responses=` entries of the error answers `codes`: JSON `{"detail": ...}`."""
    responses: dict[int | str, dict] = {}
    for code in codes:
        description, always_retry_after = _ERRORS[code]
        responses[code] = {"model": ErrorBody, "description": description}
        if code in (429, 503):
            responses[code]["headers"] = {"Retry-After": _RETRY_AFTER | {"required": always_retry_after}}
    return responses


def ok(model: type, description: str) -> dict[int | str, dict]:
    """The `responses=` entry of a JSON 200 answer."""
    return {200: {"model": model, "description": description}}


def _download_content() -> dict[str, dict]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {fmt.media_type.split(";")[0]: binary for name, fmt in FORMATS.items() if name != "json"}
    return content | {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}


DOWNLOAD = {
    200: {
        "model": Job,  # for format=json; also puts Job in the components
        "description": "The file, with its Content-Type and a Content-Disposition filename.",
        "content": _download_content(),
    }
}
DELETED = {204: {"description": "A finished job was deleted with its results."}}

# Who may call: the account's API token as a Bearer header or `?api_token=`; `{}`: anonymous.
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API token>"},
    "api_token": {"type": "apiKey", "in": "query", "name": "api_token", "description": "The API token"},
}
ACCOUNT_OR_ANONYMOUS = {"security": [{"bearer": []}, {"api_token": []}, {}]}
ACCOUNT_ONLY = {"security": [{"bearer": []}, {"api_token": []}]}


class DocumentedFastAPI(FastAPI):
    """FastAPI serving its generated schema tidied once: without FastAPI's 422 (the API answers
    400), without a body on 204, with the security schemes and the download formats."""

    def openapi(self) -> dict:
        if self.openapi_schema is None:
            self.openapi_schema = _tidy(super().openapi())
        return self.openapi_schema


def _tidy(schema: dict) -> dict:
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if "204" in responses:
                responses["204"].pop("content", None)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] == "format":  # the download's
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "enum": list(FORMATS)}
    components = schema.setdefault("components", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    return schema
