"""Every setting of the service, read once from `OCRCHAT_*` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    dashboard: bool = Field(True, description="Start the Ray dashboard (127.0.0.1:8265) with the local Ray.")
    max_upload_mb: float = Field(
        50, description="Largest accepted upload; checked while streaming. An upload is parsed in memory, not on disk."
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
        None, description="ONNX Runtime threads per OCR replica. Unset: the replica's CPUs (`num_cpus`)."
    )
    vlm_model_dir: str | None = Field(
        None,
        description="Folder of the vlm tier's model weights (Hugging Face layout: PaddleOCR-VL, dots.ocr or "
        "olmOCR), on every node that runs a VLM replica; never downloaded. Unset: no vlm tier (503).",
    )
    vlm_backend: Literal["vllm", "transformers"] = Field(
        "vllm", description="What runs the VLM: vLLM (GPU) or transformers (CPU or GPU; small deployments)."
    )
    vlm_model_profile: str | None = Field(
        None, description="Prompts and output parsing: `paddleocr-vl`, `dots.ocr` or `olmocr`. Unset: from the model."
    )
    vlm_trust_remote_code: bool = Field(
        False, description="Run the Python code of the model folder (dots.ocr needs it); only for folders you trust."
    )
    vlm_max_new_tokens: int = Field(4096, description="Most tokens the VLM writes for one page.")
    vlm_max_batch_size: int = Field(32, description="Pages a VLM replica reads in one batch.")
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
    trusted_proxies: str = Field(
        "",
        description="Comma-separated IPs or networks of reverse proxies whose `X-Forwarded-For` names the "
        "client (for anonymous metering). Empty: the socket's peer is the client.",
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def model_cache_dir(self) -> Path:
        return self.state_dir / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()
