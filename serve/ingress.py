"""The Ray Serve ingress deployment: the HTTP API (`serve.http_app`) over this replica's services,
which hand jobs to the JobRunner deployment."""

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from configs.settings import Settings
from pipelines.heap import freeze_startup_objects
from serve.http_app import build_http_app
from serve.runner_client import RayJobRunner
from serve.services.wiring import make_services


@serve.deployment(name="Ingress")
@serve.ingress()
class Ingress:
    def __init__(self, runner: DeploymentHandle, settings: Settings, vlm_missing: str | None) -> None:
        """`vlm_missing`: why this deployment has no vlm tier (None: it has one)."""
        self._services = make_services(settings, RayJobRunner(runner), vlm_missing)
        self._cors_origins = settings.cors_origins
        freeze_startup_objects()  # no request pays for a collection that scans every module

    def __serve_build_asgi_app__(self) -> FastAPI:
        return build_http_app(self._services, self._cors_origins)
