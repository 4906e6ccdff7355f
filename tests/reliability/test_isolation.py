"""Isolation between callers, tokens never kept in clear, uploads gone once their job ends.

- Account A's job is a 404 to account B (token in the header or the query) and to anonymous
  callers on every route that names it (poll, each download format, chat, chat history,
  DELETE; anonymous chat is a 401 by contract); A's job is intact afterwards. Anonymous jobs
  belong to their client address the same way.
- The raw API tokens issued here are in no Redis key or value (every type read), in no Redis
  append-only file and in no Ray log of this session, after requests that carried them in the
  header, in the query, and misspelt.
- An upload (past Starlette's 1 MB spool threshold, with a random marker) is on no disk once its
  job ends (state folder with Redis's files, temp folder, Ray session folder) and leaves Ray's
  object store.
"""

import base64
import os
import secrets
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from accounts.store import create_account
from accounts.tokens import hash_token
from exports.formats import FORMATS
from tests.documents import born_digital_pdf
from tests.reliability.hostile_files import KEY_WORD, text_png
from tests.reliability.test_hostile_files import REQUEST_TIMEOUT, SUBMIT, ended_job

ISSUED_TOKENS: list[str] = []  # every raw token this module was given, for the scans
ANONYMOUS = {"X-Forwarded-For": "198.19.0.1"}
OTHER_ANONYMOUS = {"X-Forwarded-For": "198.19.0.2"}
RELEASE_TIMEOUT = 10  # seconds for the object store to drop an upload after its job ended
QUESTION = {"message": "What is the invoice total?"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def store(redis_server) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url)  # bytes: exports are binary


@pytest.fixture(scope="module")
def tokens(redis_server) -> tuple[str, str]:
    """Tokens of two new free accounts, A and B."""
    accounts = redis.Redis.from_url(redis_server.url, decode_responses=True)
    issued = tuple(create_account(accounts, "free")[1] for _ in range(2))
    ISSUED_TOKENS.extend(issued)
    return issued  # type: ignore[return-value]


@pytest.fixture(scope="module")
def job_of_a(client: httpx.Client, tokens: tuple[str, str]) -> dict:
    """A's finished job, with one chat turn (so that its history exists)."""
    token_a = tokens[0]
    response = client.post(SUBMIT, files={"file": ("a.png", text_png())}, headers=bearer(token_a))
    job = ended_job(client, response, bearer(token_a))
    assert job["status"] == "done" and KEY_WORD in job["text"], job
    chat = client.post(f"/api/v1/chat/{job['uuid']}/", json=QUESTION, params={"api_token": token_a})
    assert chat.status_code == 200, chat.text
    return job


def job_routes(job_id: str) -> Iterator[tuple[str, str, dict]]:
    """(method, path, extra request arguments) of every route that names a job."""
    yield "GET", f"{SUBMIT}{job_id}/", {}
    for fmt in FORMATS:
        yield "GET", f"{SUBMIT}{job_id}/download/", {"params": {"format": fmt}}
    yield "POST", f"/api/v1/chat/{job_id}/", {"json": QUESTION}
    yield "GET", f"/api/v1/chat/{job_id}/history/", {}
    yield "DELETE", f"{SUBMIT}{job_id}/", {}


def intruder(name: str, tokens: tuple[str, str]) -> dict:
    """Request arguments of a caller who is not A."""
    token_b = tokens[1]
    return {
        "account-b-header": {"headers": bearer(token_b)},
        "account-b-query": {"params": {"api_token": token_b}},
        "anonymous": {"headers": ANONYMOUS},
        "anonymous-local": {},
    }[name]


def merged(first: dict, second: dict) -> dict:
    """Request arguments combined; params and headers merged, not replaced."""
    out = {**first, **second}
    for key in ("params", "headers"):
        if key in first and key in second:
            out[key] = {**first[key], **second[key]}
    return out


@pytest.mark.parametrize("who", ["account-b-header", "account-b-query", "anonymous", "anonymous-local"])
def test_a_job_is_404_to_every_other_caller_on_every_route(client, tokens, job_of_a, who: str) -> None:
    caller = intruder(who, tokens)
    for method, path, extra in job_routes(job_of_a["uuid"]):
        response = client.request(method, path, **merged(extra, caller), timeout=REQUEST_TIMEOUT)
        anonymous_chat = who.startswith("anonymous") and path.startswith("/api/v1/chat/")
        expected = 401 if anonymous_chat else 404  # chat needs an account (the contract), then the job
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text[:300]}"
        assert response.json()["detail"], response.text
        assert KEY_WORD not in response.text and job_of_a["filename"] not in response.text, response.text


def test_the_owner_still_has_the_whole_job_afterwards(client, tokens, job_of_a) -> None:
    owner = bearer(tokens[0])
    response = client.get(f"{SUBMIT}{job_of_a['uuid']}/", headers=owner)
    assert response.status_code == 200, response.text
    job = response.json()
    assert (job["status"], job["text"], job["pages_done"]) == ("done", job_of_a["text"], job_of_a["pages_done"])
    for fmt in FORMATS:
        download = client.get(f"{SUBMIT}{job['uuid']}/download/", params={"format": fmt}, headers=owner)
        assert download.status_code == 200, f"{fmt}: {download.text[:300]}"
    history = client.get(f"/api/v1/chat/{job['uuid']}/history/", headers=owner)
    assert history.status_code == 200 and len(history.json()["messages"]) == 2, history.text  # question, answer


@pytest.mark.parametrize("who", ["other-anonymous", "account-a", "anonymous-local"])
def test_an_anonymous_job_belongs_to_its_client_address(client, tokens, who: str) -> None:
    response = client.post(SUBMIT, files={"file": ("anon.png", text_png())}, headers=ANONYMOUS)
    job = ended_job(client, response, ANONYMOUS)
    caller = {"other-anonymous": {"headers": OTHER_ANONYMOUS}, "account-a": {"headers": bearer(tokens[0])},
              "anonymous-local": {}}[who]  # fmt: skip
    for method, path, extra in job_routes(job["uuid"]):
        if path.startswith("/api/v1/chat/"):
            continue  # anonymous jobs have no chat
        response = client.request(method, path, **merged(extra, caller), timeout=REQUEST_TIMEOUT)
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text[:300]}"
    assert client.get(f"{SUBMIT}{job['uuid']}/", headers=ANONYMOUS).json()["status"] == "done"


# ---- Tokens never in clear


def make_requests_carrying_tokens(client: httpx.Client, tokens: tuple[str, str], job_id: str) -> None:
    """Every way a token comes in: header, query, a misspelt one (401), on several routes."""
    for token in tokens:
        for carried in ({"headers": bearer(token)}, {"params": {"api_token": token}}):
            client.get("/api/v1/account/", **carried)
            client.get(f"{SUBMIT}{job_id}/", **carried)
            client.post(f"/api/v1/chat/{job_id}/", json=QUESTION, **carried)
    misspelt = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
    ISSUED_TOKENS.append(misspelt)
    assert client.get("/api/v1/account/", headers=bearer(misspelt)).status_code == 401
    assert client.get("/api/v1/account/", params={"api_token": misspelt}).status_code == 401


def redis_values(store: redis.Redis, key: bytes) -> list[bytes]:
    """Everything a key holds, whatever its type."""
    kind = store.type(key).decode()
    if kind == "string":
        return [store.get(key) or b""]
    if kind == "hash":
        return [part for pair in store.hgetall(key).items() for part in pair]
    if kind == "list":
        return store.lrange(key, 0, -1)
    if kind == "set":
        return list(store.smembers(key))
    if kind == "zset":
        return [member for member, _ in store.zrange(key, 0, -1, withscores=True)]
    if kind == "stream":
        return [part for _, fields in store.xrange(key) for pair in fields.items() for part in pair]
    return [store.dump(key) or b""]  # anything else, serialized


def secret_parts(token: str) -> list[bytes]:
    """The token, and a 20-character piece of its random part: a truncated copy leaks too."""
    return [token.encode(), token[4:24].encode()]


def files_holding(folder: Path, needles: list[bytes], skip: Path | None = None) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if skip is not None and skip in path.parents:
            continue
        try:
            if not path.is_file():
                continue
            data = path.read_bytes()
        except OSError:
            continue
        found += [f"{path}: {needle[:12]!r}..." for needle in needles if needle in data]
    return found


def test_tokens_are_not_kept_in_redis(client, tokens, job_of_a, store, redis_server) -> None:
    make_requests_carrying_tokens(client, tokens, job_of_a["uuid"])
    needles = [part for token in ISSUED_TOKENS for part in secret_parts(token)]
    found = []
    for key in store.scan_iter(count=1000):
        for value in [key, *redis_values(store, key)]:
            found += [f"{key!r}" for needle in needles if needle in value]
    assert not found, f"raw tokens in Redis: {found}"
    # The scan saw the right Redis: the token's hash is where the account store puts it.
    assert store.exists(f"ocrchat:token:{hash_token(tokens[0])}")
    assert not files_holding(redis_server.data_dir, needles), "raw tokens in Redis's files"


def test_tokens_are_not_in_the_ray_logs(client, tokens, job_of_a) -> None:
    import ray

    make_requests_carrying_tokens(client, tokens, job_of_a["uuid"])
    time.sleep(2)  # let the replicas' log handlers write
    logs = Path(ray._private.worker._global_node.get_session_dir_path()) / "logs"
    assert any(logs.rglob("*Ingress*")), f"no ingress log under {logs}: wrong session folder?"
    needles = [part for token in ISSUED_TOKENS for part in secret_parts(token)]
    assert not files_holding(logs, needles), "raw tokens in the Ray logs"


# ---- Uploads gone after the job


def marked_png(marker: bytes, size: int = 1_200_000) -> bytes:
    """The text PNG with a private ancillary chunk (ignored by readers) of `size` bytes holding
    `marker`: past Starlette's 1 MB spool threshold and Ray's 100 KB inline limit."""
    filler = base64.b64encode(os.urandom(size))[: size - len(marker)]
    data = marker + filler
    chunk = struct.pack(">I", len(data)) + b"prVt" + data + struct.pack(">I", zlib.crc32(b"prVt" + data))
    png = text_png()
    return png[:33] + chunk + png[33:]  # after IHDR


def marked_pdf(marker: bytes, pages: int = 6, size: int = 1_200_000) -> bytes:
    """A born-digital PDF of `pages` pages (a long job) followed by a comment holding `marker`."""
    filler = base64.b64encode(os.urandom(size))[:size]
    return born_digital_pdf(pages) + b"%" + marker + filler + b"\n"


def node_stats():
    """The node's object store statistics and every worker's object refs (the data of `ray memory`)."""
    import ray
    from ray._private import internal_api

    node = ray.nodes()[0]
    return internal_api.node_stats(node["NodeManagerAddress"], node["NodeManagerPort"])


def object_store_uploads(size: int) -> list[str]:
    """Object refs held anywhere in the cluster whose object has the upload's size."""
    stats = node_stats()
    return [
        f"pid {worker.pid}: {ref.object_id.hex()} ({ref.object_size} B, {ref.call_site or 'no call site'})"
        for worker in stats.core_workers_stats
        for ref in worker.object_refs
        if size <= ref.object_size <= size + 4096
    ]


def created_bytes() -> int:
    return node_stats().store_stats.cumulative_created_bytes


def wait_for_release(size: int) -> list[str]:
    deadline = time.monotonic() + RELEASE_TIMEOUT
    while (held := object_store_uploads(size)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return held


def assert_upload_gone(client, state_dir: Path, upload: bytes, marker: bytes, name: str, headers: dict) -> dict:
    temp_dir = Path(tempfile.gettempdir())
    temp_before = set(os.listdir(temp_dir))
    assert not object_store_uploads(len(upload)), "an object of the upload's size is there already"
    stored_before = created_bytes()
    response = client.post(SUBMIT, files={"file": (name, upload)}, headers=headers, timeout=REQUEST_TIMEOUT)
    job = ended_job(client, response, headers)
    assert job["status"] == "done", job
    assert created_bytes() - stored_before >= len(upload), "the upload never went through the object store"
    import ray

    session = Path(ray._private.worker._global_node.get_session_dir_path())
    on_disk = files_holding(state_dir, [marker]) + files_holding(session, [marker], skip=session / "logs")
    for entry in set(os.listdir(temp_dir)) - temp_before:
        on_disk += files_holding(temp_dir / entry, [marker]) if (temp_dir / entry).is_dir() else []
        on_disk += [str(temp_dir / entry)] if (temp_dir / entry).is_file() and _holds(temp_dir / entry, marker) else []
    assert not on_disk, f"the upload is still on disk: {on_disk}"
    held = wait_for_release(len(upload))
    assert not held, f"the upload is still in the object store {RELEASE_TIMEOUT} s after its job ended: {held}"
    return job


def _holds(path: Path, needle: bytes) -> bool:
    try:
        return needle in path.read_bytes()
    except OSError:
        return False


def test_a_small_jobs_upload_is_gone_from_disk_and_object_store(client, tokens, state_dir) -> None:
    marker = b"MARK" + secrets.token_hex(16).encode()
    upload = marked_png(marker)
    job = assert_upload_gone(client, state_dir, upload, marker, "marked.png", bearer(tokens[0]))
    assert KEY_WORD in job["text"]


@pytest.mark.slow
def test_a_long_jobs_upload_is_gone_from_disk_and_object_store(client, tokens, state_dir) -> None:
    marker = b"MARK" + secrets.token_hex(16).encode()
    upload = marked_pdf(marker)
    job = assert_upload_gone(client, state_dir, upload, marker, "marked.pdf", bearer(tokens[0]))
    assert job["page_count"] == 6
