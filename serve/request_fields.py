"""The fields of API requests: the multipart form of a submission and the JSON of a chat question."""

from fastapi import HTTPException, Request

from serve.api_errors import ApiError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
MAX_CHAT_MESSAGE = 2000

# The OpenAPI description of the submission form (the endpoint parses the form itself).
SUBMIT_FORM = {
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
                        "pages": {"type": "string", "description": "Pages to process, 1-based: 1-3,7"},
                        "force_ocr": {"type": "boolean", "default": False},
                        "callback_url": {
                            "type": "string",
                            "format": "uri",
                            "description": "An http(s) URL that gets the job's signed event when it ends",
                        },
                    },
                }
            }
        },
    }
}
# The OpenAPI description of a chat question (the endpoint parses the JSON itself).
CHAT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "message": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": MAX_CHAT_MESSAGE,
                            "pattern": r"\S",
                            "description": "The question: not blank",
                        }
                    },
                }
            }
        },
    }
}


def form_text(form, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise HTTPException(400, f"The field {name!r} must be text, not a file.")
    return value


def form_flag(form, name: str) -> bool:
    value = (form_text(form, name) or "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise HTTPException(400, f"The field {name!r} must be true or false.")
    return value in _TRUE


async def chat_message(request: Request) -> str:
    """The question of a chat request: JSON `{"message": "..."}`, 1 to 2000 characters."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise ApiError(400, 'Send JSON: {"message": "your question"}.') from exc
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        raise ApiError(400, 'Send JSON: {"message": "your question"} with a non-empty message.')
    if len(message) > MAX_CHAT_MESSAGE:
        raise ApiError(400, f"The message is {len(message)} characters; at most {MAX_CHAT_MESSAGE}.")
    return message.strip()
