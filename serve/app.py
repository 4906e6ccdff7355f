"""The Serve application builder: binds the ingress to the job runner and the CPU-OCR replicas.

`serve deploy configs/serve_laptop.yaml` and `ocrchat serve` both come through `build_app`;
deployment options (replica CPUs, autoscaling) come from the Serve config file.
"""

from ray.serve import Application

from configs.serve_config import deployment_options
from configs.settings import Settings
from serve.ingress import Ingress
from serve.job_runner import JobRunner
from serve.ocr_worker import CpuOcr


def build_app(args: dict | None = None) -> Application:
    """Build the app; `args` (from a Serve config's `args`) override `OCRCHAT_*` settings."""
    settings = Settings(**(args or {}))
    options = deployment_options(settings.serve_config)
    ocr_options = options.get("CpuOcr", {})
    replica_cpus = ocr_options.get("ray_actor_options", {}).get("num_cpus", 1)
    ocr = CpuOcr.options(**ocr_options).bind(settings, replica_cpus)
    runner = JobRunner.options(**options.get("JobRunner", {})).bind(ocr, settings)
    return Ingress.options(**options.get("Ingress", {})).bind(runner, settings)
