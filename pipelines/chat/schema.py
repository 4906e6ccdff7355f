"""The shapes of chat's answers, as the API returns them (typed dicts; the OpenAPI schema is
generated from them)."""

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict


class CitationJson(TypedDict):
    page: Annotated[int, Field(description="From 1")]
    snippet: Annotated[str, Field(description="The page's own text")]


class ChatTurn(TypedDict):
    role: Literal["user", "assistant"]
    content: str
    mode: NotRequired[
        Annotated[Literal["extractive", "language_model"], Field(description="The assistant's: which answered")]
    ]
    citations: NotRequired[Annotated[list[CitationJson], Field(description="The assistant's")]]


class ChatReplyJson(TypedDict):
    conversation: str
    message: ChatTurn


class ChatHistoryJson(TypedDict):
    conversation: Annotated[str | None, Field(description="None until the first question")]
    messages: list[ChatTurn]
