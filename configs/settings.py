"""Every setting of the service, read once from `OCRCHAT_*` environment variables."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from configs.serve_config import DEFAULT_SERVE_CONFIG

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRCHAT_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the HTTP API listens on.")
    port: int = Field(8000, description="Port of the HTTP API.")
    redis_url: str | None = Field(
        None,
        description="Redis to use. Unset: `ocrchat serve` starts a local redis-server "
        "on 127.0.0.1 with its data under the state folder.",
    )
    redis_port: int = Field(6390, description="Port of the Redis that `ocrchat serve` starts itself.")
    state_dir: Path = Field(
        REPO_ROOT / ".state",
        description="Folder for local state: Redis data (AOF) and the generated model configs.",
    )
    ray_address: str | None = Field(
        None, description="Existing Ray cluster to join. Unset: a local single-node Ray is started."
    )
    ray_object_store_mb: int = Field(512, description="Object store size of the local Ray, in MB.")
    dashboard: bool = Field(
        False,
        description="Start the Ray dashboard (127.0.0.1:8265) with the local Ray. Any local user can run code "
        "through it: turn it on only on a machine you do not share.",
    )
    max_upload_mb: float = Field(
        50, description="Largest accepted upload; checked while streaming. An upload is parsed in memory, not on disk."
    )
    probe_timeout_seconds: float = Field(
        30, description="An upload is opened (in a child process) within this many seconds, or refused with a 400."
    )
    upload_deadline_seconds: float = Field(
        300, description="A POST's body must have arrived this many seconds after it began; a slower one is a 408."
    )
    max_pages: int = Field(
        10000, description="Most pages processed per document (after `pages=`); more is a 400 stating both numbers."
    )
    max_page_pixels: int = Field(
        60_000_000, description="Largest accepted page image (width x height), against image bombs."
    )
    pdf_dpi: int = Field(200, description="Resolution at which PDF pages are rendered for OCR.")
    cpu_profile: Literal["accurate", "fast"] = Field(
        "accurate",
        description="The cpu tier's PP-OCRv6 models: `accurate` (small detection and recognition) or `fast` "
        "(tiny ones: 4.6x the pages per second at 1.3 points less word F1 in bench/cpu_profiles.py; "
        "Japanese is read by Tesseract).",
    )
    det_limit_side_len: int = Field(
        1600, description="Longest side the text detector sees; larger pages are scaled down for detection only."
    )
    ocr_replica_max_rss_mb: int = Field(
        4096,
        description="A CPU-OCR replica whose resident memory exceeds this many MB fails its health check "
        "and Serve replaces it (its page in flight is retried). 0: never.",
    )
    ocr_threads: int | None = Field(
        None,
        description="ONNX Runtime threads per OCR replica. Unset: the replica's CPUs (`num_cpus`). On one "
        "thread, a page's lines are read in two recognition runs at once and its layout beside them.",
    )
    vlm_url: str | None = Field(
        None,
        description="Base URL of the OpenAI-compatible chat completions API that reads pages for the vlm tier "
        "(`ray.serve.llm`, `vllm serve`: `http://host:8000/v1`); it must return log-probabilities. "
        "Unset: no vlm tier (503).",
    )
    vlm_model: str = Field("default", description="Model name sent to the vlm tier's API.")
    vlm_api_key: str | None = Field(None, description="Bearer key for the vlm tier's API, if it needs one.")
    vlm_model_profile: Literal["paddleocr-vl", "dots.ocr", "olmocr"] = Field(
        "paddleocr-vl", description="The served model's family: its prompts and how its answers are parsed."
    )
    vlm_max_new_tokens: int = Field(4096, description="Most tokens the VLM writes for one page.")
    vlm_timeout_seconds: float = Field(180, description="How long one page's request to the vlm tier's API may take.")
    vlm_retries: int = Field(
        2,
        ge=0,
        description="Retries of a page's request that failed for a passing reason (no connection, a timeout, "
        "HTTP 408, 429 or 5xx), with a pause that doubles from 0.5 s; then the page fails with a message.",
    )
    vlm_pages_in_flight: int = Field(
        8, ge=1, description="Pages of one vlm job at the model server at once (its continuous batching wants several)."
    )
    serve_config: Path = Field(
        DEFAULT_SERVE_CONFIG,
        description="Serve config whose deployment options (replica CPUs, autoscaling) the app uses.",
    )
    result_ttl_seconds: int = Field(86400, description="How long finished jobs are kept before they are gone (404).")
    sync_max_pages: int = Field(
        5, description="Documents with at most this many pages are processed before the POST returns."
    )
    max_queued_pages: int = Field(
        20000, description="Pages accepted but not yet processed, cluster-wide; beyond it a POST gets 429."
    )
    max_running_jobs: int = Field(
        2,
        description="Long jobs whose pages are processed at once per job-runner replica; later ones wait as `pending`.",
    )
    max_waiting_polls: int = Field(
        32,
        description="Polls with `wait` that one ingress replica holds at once; later ones are answered at once, "
        "as plain polls. Keep it below the Ingress deployment's `max_ongoing_requests`.",
    )
    ocr_pages_per_block: int = Field(8, description="Pages per Ray Data block of a long job, for pages to OCR.")
    text_layer_pages_per_block: int = Field(
        500,
        description="Pages per Ray Data block for PDF pages that likely have a text layer (fonts); "
        "a run of such pages is split into at least one block per parallel block of the job.",
    )
    parallel_blocks_per_job: int = Field(2, description="Blocks of one long job processed at once.")
    start_block_workers: bool = Field(
        False,
        description="Start the worker processes of long jobs (`max_running_jobs` x `parallel_blocks_per_job`, "
        "~170 MB each) with the job runner instead of at the first long job, which then starts ~2 s sooner.",
    )
    page_retries: int = Field(
        2, description="Retries of a page that failed (rendering or the OCR call) before it is marked failed."
    )
    job_lease_seconds: int = Field(
        300,
        description="A job that no job runner has vouched for in this long (a restart, a dead replica) "
        "is failed and its unprocessed pages refunded; runners renew every quarter of it.",
    )
    idempotency_ttl_seconds: int = Field(86400, description="How long an `Idempotency-Key` returns the same job.")
    anonymous_daily_pages: int = Field(
        100, description="Credits an anonymous caller (one client IP) may use per calendar day (UTC)."
    )
    anonymous_max_pages_per_file: int = Field(50, description="Most pages per document for anonymous callers.")
    free_monthly_pages: int = Field(1000, description="Credits a free account may use per calendar month (UTC).")
    free_max_pages_per_file: int = Field(200, description="Most pages per document on the free plan.")
    paid_max_pages_per_file: int = Field(
        10000, description="Most pages per document on the paid plan (which spends purchased credits)."
    )
    cpu_page_credits: int = Field(1, description="Credits one page costs on the `cpu` tier.")
    vlm_page_credits: int = Field(10, description="Credits one page costs on the `vlm` tier.")
    translate_page_credits: int = Field(
        2, description="Credits added to a page's cost with `tool=translate` (two language-model calls a page)."
    )
    anonymous_translate: bool = Field(
        False, description="Let anonymous callers use `tool=translate` (it spends the language model's capacity)."
    )
    chat_llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible chat completions API (a vLLM server, for example: "
        "`http://host:8001/v1`) that writes chat answers. Unset: answers are extractive (document sentences).",
    )
    chat_llm_model: str = Field("default", description="Model name sent to the chat API.")
    chat_llm_api_key: str | None = Field(None, description="Bearer key for the chat API, if it needs one.")
    chat_llm_timeout_seconds: float = Field(
        60, description="How long a chat answer may take before the extractive one is given."
    )
    chat_message_credits: int = Field(1, description="Credits one chat question costs.")
    chat_messages_per_minute: int = Field(20, description="Chat questions an account may ask per minute; more get 429.")
    chat_passages: int = Field(5, description="Passages retrieved per chat question.")
    chat_concurrency: int = Field(
        4,
        ge=1,
        description="Chat questions answered at once per ingress replica (each may wait up to "
        "OCRCHAT_CHAT_LLM_TIMEOUT_SECONDS on the model); more wait their turn without holding up other requests.",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated IPs or networks of reverse proxies whose `X-Forwarded-For` names the "
        "client (for anonymous metering). Empty: the socket's peer is the client.",
    )
    webhook_secret: str | None = Field(
        None,
        description="The secret (`whsec_` + base64) that signs the webhook events of anonymous callers' jobs. "
        "Unset: anonymous callers cannot ask for webhooks (accounts have their own secret).",
        pattern=r"^whsec_[A-Za-z0-9+/=]+$",
    )
    webhook_allow_private: bool = Field(
        False, description="Let callback URLs reach loopback, private and link-local addresses (trusted networks only)."
    )
    cors_origins: str = Field(
        "",
        description="Comma-separated origins (`https://app.example.com`) whose web pages may call the API from "
        "a browser. Empty: none but the service's own; a browser's request that changes state from any other "
        "origin is refused (403).",
    )
    anonymous_ipv6_prefix: int = Field(
        64,
        ge=32,
        le=128,
        description="Anonymous IPv6 callers are metered per network of this many prefix bits (a subscriber "
        "usually holds a whole /64); IPv4 callers per address.",
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def effective_redis_url(self) -> str:
        """OCRCHAT_REDIS_URL, or the local Redis of `ocrchat serve` with its password."""
        return self.redis_url or f"redis://:{self.local_redis_password}@127.0.0.1:{self.redis_port}/0"

    @property
    def local_redis_password(self) -> str:
        """The password of the Redis that `ocrchat serve` starts: made at first start, kept in the
        state folder, readable by its owner only."""
        return local_secret(self.state_dir / "redis-password")

    @property
    def model_cache_dir(self) -> Path:
        return self.state_dir / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def without_password(url: str) -> str:
    """A URL as it may be printed: its password (if any) replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def local_secret(path: Path) -> str:
    """A random secret kept in `path` (mode 0600), made the first time it is asked for."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secret)
    return secret
