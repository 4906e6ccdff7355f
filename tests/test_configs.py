"""The Serve configs are valid for Serve itself, and the app builder uses their options."""

from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from configs.serve_config import DEFAULT_SERVE_CONFIG, deployment_options

CONFIGS = sorted((Path(__file__).parent.parent / "configs").glob("serve_*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_serve_config_passes_serves_schema(path):
    schema = ServeDeploySchema.model_validate(yaml.safe_load(path.read_text()))
    assert schema.applications[0].import_path == "serve.app:build_app"
    assert schema.http_options.host == "127.0.0.1"


def test_builder_applies_the_configs_deployment_options():
    from serve.app import build_app

    app = build_app({"redis_url": "redis://127.0.0.1:1/0"})
    ocr = deployment_options(DEFAULT_SERVE_CONFIG)["CpuOcr"]
    runner = app._bound_deployment.init_args[0]._bound_deployment  # the JobRunner handle argument
    bound = runner.init_args[0]._bound_deployment  # its CpuOcr handle argument
    assert runner.name == "JobRunner"
    assert bound.name == "CpuOcr"
    assert bound._deployment_config.autoscaling_config.max_replicas == ocr["autoscaling_config"]["max_replicas"]
    assert bound.ray_actor_options["num_cpus"] == ocr["ray_actor_options"]["num_cpus"]
