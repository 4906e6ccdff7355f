"""Chat with a finished job: retrieve the passages a question is about, answer from them (a
language model when the deployment has one, else the value of the field the question names or
quotes of the passages), keep the conversation.

Redis keys beside the job, expiring with it: `ocrchat:job:<id>:chat_index` (the BM25 index
and the pages' fields, built at the first question, again when its format is older),
`ocrchat:job:<id>:chat` (the conversation id) and `ocrchat:job:<id>:chat:turns`
(the transcript, one JSON turn per list item).
"""

import json
import logging
import uuid
from dataclasses import dataclass

import redis

from accounts.clock import now_iso
from engines.chat_model import ChatModel, ChatModelError
from pipelines.chat.extractive_answer import Answer, Citation, extractive_answer
from pipelines.chat.index import FORMAT_VERSION, ChatIndex, Passage, stored_version
from pipelines.chat.prompt import chat_messages, checked_reply
from pipelines.chat.schema import ChatReplyJson, ChatTurn
from pipelines.chat.value_answer import value_answer
from pipelines.jobs.store import JobStore, job_key

logger = logging.getLogger(__name__)

EXTRACTIVE = "extractive"
LANGUAGE_MODEL = "language_model"


@dataclass(frozen=True)
class ChatReply:
    conversation: str
    content: str
    citations: list[Citation]
    mode: str  # which answered: EXTRACTIVE or LANGUAGE_MODEL

    def to_json(self) -> ChatReplyJson:
        citations = [{"page": citation.page, "snippet": citation.snippet} for citation in self.citations]
        message: ChatTurn = {"role": "assistant", "content": self.content, "mode": self.mode, "citations": citations}
        return {"conversation": self.conversation, "message": message}


def answer_without_model(question: str, index: ChatIndex, passages: list[Passage]) -> Answer:
    """The value of the field the question names, else quotes of the passages that cover it."""
    found = value_answer(question, index.fields, index.has_token)
    return found or extractive_answer(question, [(passage, 1.0) for passage in passages])


class ChatService:
    def __init__(self, jobs: JobStore, client: redis.Redis, binary: redis.Redis, model: ChatModel | None, k: int):
        self._jobs, self._redis, self._binary, self._model, self._k = jobs, client, binary, model, k

    def ask(self, job_id: str, question: str) -> ChatReply:
        """Answer a question about an ended job and add both turns to its conversation."""
        history = self.history(job_id)
        previous = [turn["content"] for turn in history if turn["role"] == "user"][-1:]
        # The question first: search weighs the earlier question's words (later lines) half.
        index = self._index(job_id)
        found = index.search("\n".join([question, *previous]), self._k)
        content, citations, mode = self._answer(question, index, [passage for passage, _ in found], history)
        reply = ChatReply(self._conversation(job_id), content, citations, mode)
        self._append(job_id, {"role": "user", "content": question}, reply.to_json()["message"])
        return reply

    def history(self, job_id: str) -> list[ChatTurn]:
        return [json.loads(turn) for turn in self._redis.lrange(job_key(job_id, "chat:turns"), 0, -1)]

    def conversation(self, job_id: str) -> str | None:
        return self._redis.get(job_key(job_id, "chat"))

    def _answer(
        self, question: str, index: ChatIndex, passages: list[Passage], history: list[dict]
    ) -> tuple[str, list, str]:
        if self._model is not None and passages:
            try:
                reply = self._model.complete(chat_messages(question, passages, history))
                return *checked_reply(reply, passages), LANGUAGE_MODEL
            except ChatModelError:
                logger.exception("The chat model failed; answering extractively")
        answer = answer_without_model(question, index, passages)
        return answer.content, answer.citations, EXTRACTIVE

    def _index(self, job_id: str) -> ChatIndex:
        key = job_key(job_id, "chat_index")
        stored = self._binary.get(key)
        if stored is not None and stored_version(stored) == FORMAT_VERSION:
            return ChatIndex.from_bytes(stored)
        index = ChatIndex.build(self._jobs.page_records(job_id))
        self._redis.set(key, index.to_bytes(), ex=self._ttl(job_id))
        return index

    def _conversation(self, job_id: str) -> str:
        key = job_key(job_id, "chat")
        self._redis.set(key, uuid.uuid4().hex, nx=True, ex=self._ttl(job_id))
        return self._redis.get(key)

    def _append(self, job_id: str, *turns: dict) -> None:
        key = job_key(job_id, "chat:turns")
        stamped = [json.dumps(turn | {"created_at": now_iso()}, ensure_ascii=False) for turn in turns]
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *stamped)
            pipe.expire(key, self._ttl(job_id))
            pipe.execute()

    def _ttl(self, job_id: str) -> int:
        """What the job has left to live: its chat goes with it."""
        return max(1, int(self._redis.ttl(job_key(job_id))))
