"""The Serve configs are valid for Serve itself, name only deployments the app builds, and the
app builder uses their options."""

from pathlib import Path

import pytest
import yaml
from ray.serve import Application
from ray.serve.schema import DeploymentSchema, ServeDeploySchema

from configs.ray_env import PAGE_READER_ENV
from configs.serve_config import DEFAULT_SERVE_CONFIG, deployment_options
from configs.settings import Settings
from pipelines.execution.page_loop import PageOptions

CONFIG_DIR = Path(__file__).parent.parent / "configs"
CONFIGS = sorted(CONFIG_DIR.glob("serve_*.yaml"))
LAPTOP = CONFIG_DIR / "serve_laptop.yaml"
CPU_CLUSTER = CONFIG_DIR / "serve_cpu_cluster.yaml"
GPU_CLUSTER = CONFIG_DIR / "serve_gpu_cluster.yaml"

# Where each config listens: the laptop on loopback only, clusters on every interface (behind
# a firewall or a load balancer). A new config must be added here.
HOSTS = {LAPTOP.name: "127.0.0.1", CPU_CLUSTER.name: "0.0.0.0", GPU_CLUSTER.name: "0.0.0.0"}

# Resources per replica, as the configs' comments and docs/capacity.md state them.
REPLICA_RESOURCES = {
    LAPTOP.name: {"Ingress": (0, None), "JobRunner": (0, None), "CpuOcr": (1, None)},
    CPU_CLUSTER.name: {"Ingress": (0.5, None), "JobRunner": (0.5, None), "CpuOcr": (2, None)},
    GPU_CLUSTER.name: {"Ingress": (0.5, None), "JobRunner": (0.5, None), "CpuOcr": (2, None), "VlmOcr": (1, None)},
}
# The GPU cluster's model server: the application `ray.serve.llm` builds, under this prefix.
LLM_APP, LLM_PREFIX = "llm", "/llm"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def app_config(config: dict, name: str = "ocrchat") -> dict:
    (app,) = [app for app in config["applications"] if app["name"] == name]
    return app


def llm_config(config: dict) -> dict:
    """The one model the GPU cluster's `llm` application serves (a `ray.serve.llm` LLMConfig)."""
    (model,) = app_config(config, LLM_APP)["args"]["llm_configs"]
    return model


def deployments(config: dict) -> dict[str, dict]:
    return {d["name"]: d for d in app_config(config).get("deployments", [])}


def app_deployments(app: Application) -> dict:
    """Name -> bound deployment, for every deployment reachable from the ingress."""
    found, todo = {}, [app]
    while todo:
        bound = todo.pop()._bound_deployment
        found[bound.name] = bound
        todo.extend(arg for arg in [*bound.init_args, *bound.init_kwargs.values()] if isinstance(arg, Application))
    return found


def build(path: Path, **overrides) -> Application:
    from serve.app import build_app

    args = {
        **(app_config(load(path)).get("args") or {}),
        "serve_config": path,
        "redis_url": "redis://127.0.0.1:1/0",
        **overrides,
    }
    return build_app(args)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_serve_config_passes_serves_schema(path):
    schema = ServeDeploySchema.model_validate(load(path))
    (app,) = [app for app in schema.applications if app.name == "ocrchat"]
    assert app.import_path == "serve.app:build_app"
    assert app.route_prefix == "/"
    assert {app.name for app in schema.applications} <= {"ocrchat", LLM_APP}
    assert path.name in HOSTS, f"add {path.name} to HOSTS: which address should it listen on?"
    assert schema.http_options.host == HOSTS[path.name]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_names_exactly_the_apps_deployments(path):
    # Serve fails the deploy for an unknown name; a missing one silently keeps the code defaults.
    assert set(deployments(load(path))) == set(app_deployments(build(path)))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_args_are_settings(path):
    # Settings ignore unknown fields, so a misspelt argument would be dropped without a word.
    args = app_config(load(path)).get("args") or {}
    assert set(args) <= set(Settings.model_fields), set(args) - set(Settings.model_fields)
    Settings(**args)


def _check_scaling(name: str, options: dict) -> None:
    autoscaling = options.get("autoscaling_config")
    if autoscaling is None:
        assert isinstance(options.get("num_replicas", 1), int) and options.get("num_replicas", 1) >= 1, name
        return
    assert "num_replicas" not in options, f"{name}: num_replicas and autoscaling_config both set"
    low, high = autoscaling["min_replicas"], autoscaling["max_replicas"]
    assert 0 <= low <= high and high >= 1, name
    assert low <= autoscaling.get("initial_replicas", low) <= high, name
    assert 0 < autoscaling["target_ongoing_requests"] <= options["max_ongoing_requests"], name


def _resources(options: dict) -> tuple[float, float | None]:
    actor = options.get("ray_actor_options", {})
    return actor.get("num_cpus"), actor.get("num_gpus")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_scaling_bounds_and_replica_resources(path):
    config = load(path)
    for name, options in deployments(config).items():
        _check_scaling(name, options)
        assert _resources(options) == REPLICA_RESOURCES[path.name][name], name
    # The OCR engine gets one ONNX Runtime thread per CPU of its replica.
    threads = (app_config(config).get("args") or {}).get("ocr_threads")
    assert threads in (None, _resources(deployments(config)["CpuOcr"])[0])


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_ocr_replicas_start_with_the_page_readers_malloc_settings(path):
    runtime_env = deployments(load(path))["CpuOcr"]["ray_actor_options"]["runtime_env"]
    assert runtime_env == {"env_vars": PAGE_READER_ENV}


def test_laptop_runs_one_ocr_replica_while_idle_and_a_second_for_long_jobs():
    autoscaling = deployments(load(LAPTOP))["CpuOcr"]["autoscaling_config"]
    assert autoscaling["min_replicas"] == autoscaling.get("initial_replicas", 1) == 1
    assert autoscaling["max_replicas"] == 2
    # The pages a long job keeps in flight ask for the second replica; a lone page does not.
    in_flight = Settings().parallel_blocks_per_job * PageOptions().window
    assert in_flight >= 2 * autoscaling["target_ongoing_requests"] >= 2


@pytest.mark.parametrize("path", [CPU_CLUSTER, GPU_CLUSTER], ids=lambda p: p.name)
def test_cluster_configs_are_redundant_and_keep_the_ocr_replicas_busy(path):
    config = load(path)
    options = deployments(config)
    assert config["proxy_location"] == "EveryNode"
    assert options["Ingress"]["autoscaling_config"]["min_replicas"] >= 2
    assert options["JobRunner"]["num_replicas"] >= 2  # fixed: a scaled-down runner would strand its jobs
    assert options["CpuOcr"]["autoscaling_config"]["min_replicas"] >= 2
    # Long jobs put pages in flight: runners x jobs per runner x blocks per job x pages per block
    # task. At full scale that must cover every OCR replica's slots, or replicas idle.
    settings = Settings(**(app_config(config).get("args") or {}))
    in_flight = (
        options["JobRunner"]["num_replicas"]
        * settings.max_running_jobs
        * settings.parallel_blocks_per_job
        * PageOptions().window
    )
    ocr = options["CpuOcr"]
    assert in_flight >= ocr["autoscaling_config"]["max_replicas"] * ocr["max_ongoing_requests"]


def test_gpu_config_serves_one_model_that_the_vlm_tier_chat_and_translation_ask():
    config = load(GPU_CLUSTER)
    llm_app = app_config(config, LLM_APP)
    assert llm_app["import_path"] == "ray.serve.llm:build_openai_app"
    assert llm_app["route_prefix"] == LLM_PREFIX
    model = llm_config(config)
    args = Settings(**app_config(config)["args"])
    # Each replica asks the proxy of its own node (proxy_location: EveryNode).
    url = f"http://127.0.0.1:{config['http_options']['port']}{LLM_PREFIX}/v1"
    assert config["proxy_location"] == "EveryNode"
    assert args.vlm_url == args.chat_llm_url == url
    assert args.vlm_model == args.chat_llm_model == model["model_loading_config"]["model_id"]
    assert args.vlm_model_profile in model["model_loading_config"]["model_source"]
    # One GPU per model replica; one replica always (a page must not wait for a GPU node).
    (bundle, *others) = model["placement_group_config"]["bundles"]
    assert bundle["GPU"] == 1 and not others
    scaling = model["deployment_config"]["autoscaling_config"]
    assert 1 == scaling["min_replicas"] <= scaling["max_replicas"]
    assert 0 < scaling["target_ongoing_requests"] <= model["deployment_config"]["max_ongoing_requests"]
    # A job keeps at most its pages in flight at the model; the model batches many jobs'.
    assert args.vlm_pages_in_flight <= model["deployment_config"]["max_ongoing_requests"]
    assert model["engine_kwargs"]["limit_mm_per_prompt"] == {"image": 1}


def test_the_model_config_is_one_ray_serve_llm_takes():
    # ray.serve.llm needs vLLM (`pip install '.[gpu]'`), which a CPU install lacks.
    llm = pytest.importorskip("ray.serve.llm", exc_type=ImportError)
    config = llm_config(load(GPU_CLUSTER))
    assert llm.LLMConfig.model_validate(config).model_id == config["model_loading_config"]["model_id"]


def test_gpu_config_binds_the_vlm_client_with_its_options():
    vlm = deployments(load(GPU_CLUSTER))["VlmOcr"]
    DeploymentSchema.model_validate(vlm)
    app = build(GPU_CLUSTER)
    deployment = app_deployments(app)["VlmOcr"]
    autoscaling = deployment._deployment_config.autoscaling_config
    assert autoscaling.min_replicas == vlm["autoscaling_config"]["min_replicas"] >= 1
    assert autoscaling.max_replicas == vlm["autoscaling_config"]["max_replicas"]
    assert deployment._deployment_config.max_ongoing_requests == vlm["max_ongoing_requests"]
    assert not deployment.ray_actor_options.get("num_gpus")  # the GPU is the model's, not the client's
    (settings,) = deployment.init_args
    assert settings.vlm_url == app_config(load(GPU_CLUSTER))["args"]["vlm_url"]
    assert app._bound_deployment.init_args[2] is None  # the Ingress's reason for no vlm tier


def test_builder_refuses_a_config_with_vlmocr_but_no_url():
    # Deploying VlmOcr without a model server would fail every page; fail the deploy instead.
    with pytest.raises(ValueError, match="OCRCHAT_VLM_URL"):
        build(GPU_CLUSTER, vlm_url=None)


def test_builder_binds_the_vlm_client_where_a_url_is_set():
    assert "VlmOcr" not in app_deployments(build(LAPTOP))
    reason = build(LAPTOP)._bound_deployment.init_args[2]
    assert "OCRCHAT_VLM_URL" in reason
    app = build(LAPTOP, vlm_url="http://gpu-box:8000/v1")
    assert "VlmOcr" in app_deployments(app) and app._bound_deployment.init_args[2] is None


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_builder_applies_the_configs_deployment_options(path):
    bound = app_deployments(build(path))
    options = deployment_options(path)
    for name, deployment in bound.items():
        expected = options[name]
        config = deployment._deployment_config
        if "autoscaling_config" in expected:
            assert config.autoscaling_config.min_replicas == expected["autoscaling_config"]["min_replicas"]
            assert config.autoscaling_config.max_replicas == expected["autoscaling_config"]["max_replicas"]
        else:
            assert config.num_replicas == expected.get("num_replicas", 1)
        assert config.max_ongoing_requests == expected["max_ongoing_requests"]
        assert deployment.ray_actor_options["num_cpus"] == expected["ray_actor_options"]["num_cpus"]


def test_builder_reads_the_default_config():
    from serve.app import build_app

    app = build_app({"redis_url": "redis://127.0.0.1:1/0"})
    ocr = deployment_options(DEFAULT_SERVE_CONFIG)["CpuOcr"]
    runner = app._bound_deployment.init_args[0]._bound_deployment  # the JobRunner handle argument
    bound = runner.init_args[0]._bound_deployment  # its CpuOcr handle argument
    assert runner.name == "JobRunner"
    assert bound.name == "CpuOcr"
    assert bound._deployment_config.autoscaling_config.max_replicas == ocr["autoscaling_config"]["max_replicas"]
    assert bound.ray_actor_options["num_cpus"] == ocr["ray_actor_options"]["num_cpus"]
