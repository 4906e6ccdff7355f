"""`/api/v1/chat/<uuid>/`: questions about a finished job, and the conversation so far."""

from fastapi import APIRouter, Request

from pipelines.chat.schema import ChatHistoryJson, ChatReplyJson
from serve.openapi import ACCOUNT_ONLY, errors, ok
from serve.request_fields import CHAT_BODY, chat_message
from serve.routes.dependencies import CallerDep, ServicesDep
from serve.services.chat_desk import account_only

router = APIRouter(prefix="/api/v1/chat")


@router.post(
    "/{job_id}/",
    summary="Ask a question about a finished job",
    response_model=None,  # the body is described by `responses`
    openapi_extra=CHAT_BODY | ACCOUNT_ONLY,
    responses=ok(ChatReplyJson, "The answer, citing pages.") | errors(400, 401, 402, 404, 409, 429),
)
async def chat(job_id: str, request: Request, services: ServicesDep, caller: CallerDep) -> ChatReplyJson:
    """Answer from the job's text only, citing pages (from 1). Accounts only (401), the
    caller's own ended job (404, 409); metered and rate limited per account (402, 429)."""
    account_only(caller)  # a 401 before the body is read
    return await services.chat.ask(caller, job_id, await chat_message(request))


@router.get(
    "/{job_id}/history/",
    summary="The whole conversation about a job",
    response_model=None,  # the body is described by `responses`
    openapi_extra=ACCOUNT_ONLY,
    responses=ok(ChatHistoryJson, "The conversation's id and its turns, oldest first.") | errors(401, 404),
)
async def chat_history(job_id: str, services: ServicesDep, caller: CallerDep) -> ChatHistoryJson:
    return await services.chat.history(caller, job_id)
