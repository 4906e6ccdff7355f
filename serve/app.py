"""The Serve application builder: binds the ingress to the job runner, the CPU-OCR replicas and,
where this deployment has one, the VLM replicas.

`serve deploy configs/serve_laptop.yaml` and `ocrchat serve` both come through `build_app`;
deployment options (replica CPUs and GPUs, autoscaling) come from the Serve config file.
"""

from ray.serve import Application
from ray.serve.handle import DeploymentHandle

from configs.serve_config import deployment_options
from configs.settings import Settings
from serve.ingress import Ingress
from serve.job_runner import JobRunner
from serve.ocr_worker import CpuOcr

NO_VLM_MODEL = "The vlm tier is not deployed on this server (OCRCHAT_VLM_URL is unset); use tier=cpu."


def build_app(args: dict | None = None) -> Application:
    """Build the app; `args` (from a Serve config's `args`) override `OCRCHAT_*` settings."""
    settings = Settings(**(args or {}))
    options = deployment_options(settings.serve_config)
    ocr = CpuOcr.options(**options.get("CpuOcr", {})).bind(settings)
    vlm, vlm_missing = _vlm_deployment(settings, options)
    runner = JobRunner.options(**options.get("JobRunner", {})).bind(ocr, vlm, settings)
    return Ingress.options(**options.get("Ingress", {})).bind(runner, settings, vlm_missing)


def _vlm_deployment(settings: Settings, options: dict[str, dict]) -> tuple[DeploymentHandle | None, str | None]:
    """The bound VLM deployment and None, or None and why there is none: it is bound where
    OCRCHAT_VLM_URL names a model server, with the Serve config's options where it has some."""
    if settings.vlm_url is None:
        if "VlmOcr" in options:
            raise ValueError(f"{settings.serve_config} deploys VlmOcr, but OCRCHAT_VLM_URL is unset.")
        return None, NO_VLM_MODEL
    from serve.vlm_worker import DEFAULT_OPTIONS, VlmOcr  # imports the VLM engine: only where there is one

    return VlmOcr.options(**options.get("VlmOcr", DEFAULT_OPTIONS)).bind(settings), None
