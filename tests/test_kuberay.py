"""The KubeRay manifests (no kubectl here): kinds and API versions, the embedded Serve config,
worker groups that can hold the replicas the Serve config asks for, and a consistent image and
environment (Redis Service, settings)."""

import math
import re
import tomllib
from pathlib import Path

import pytest
import ray
import yaml
from ray.serve.schema import ServeDeploySchema

from configs.settings import Settings
from tests.test_configs import GPU_CLUSTER, LLM_APP, app_config, deployments, llm_config

ROOT = Path(__file__).parent.parent
KUBERAY = ROOT / "configs" / "kuberay"
MANIFESTS = sorted(KUBERAY.glob("*.yaml"))
API_VERSIONS = {
    "RayService": "ray.io/v1",
    "Deployment": "apps/v1",
    "Service": "v1",
    "PersistentVolumeClaim": "v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}
CPU_GROUP, GPU_GROUP = "cpu", "gpu"


def documents() -> list[dict]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def only(kind: str, name: str | None = None) -> dict:
    (found,) = [d for d in documents() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    return found


def ray_service() -> dict:
    return only("RayService")


def cluster() -> dict:
    return ray_service()["spec"]["rayClusterConfig"]


def pod_groups() -> dict[str, dict]:
    """Group name ("head" for the head) -> its spec."""
    spec = cluster()
    return {"head": spec["headGroupSpec"], **{g["groupName"]: g for g in spec["workerGroupSpecs"]}}


def ray_container(group: dict) -> dict:
    (container,) = [c for c in group["template"]["spec"]["containers"] if c["name"].startswith("ray-")]
    return container


def quantity(value) -> float:
    """A Kubernetes CPU or count quantity: 16, "16", "500m"."""
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(value) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9}
    text = str(value)
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def redis_bytes(value: str) -> int:
    """A Redis memory size: "6gb" is 6 GiB, "6g" 6 * 10**9 (redis.conf's units)."""
    number, unit = re.fullmatch(r"(\d+)([a-z]*)", value.lower()).groups()
    units = {"": 1, "k": 10**3, "kb": 2**10, "m": 10**6, "mb": 2**20, "g": 10**9, "gb": 2**30}
    return int(number) * units[unit]


def ray_resources(group: dict) -> tuple[float, float]:
    """The CPUs and GPUs a pod of the group advertises to Ray: rayStartParams where set,
    else the container's limits (as KubeRay does)."""
    params = group.get("rayStartParams") or {}
    limits = ray_container(group)["resources"]["limits"]
    cpus = quantity(params.get("num-cpus", limits["cpu"]))
    gpus = quantity(params.get("num-gpus", limits.get("nvidia.com/gpu", 0)))
    return cpus, gpus


def serve_config() -> dict:
    return yaml.safe_load(ray_service()["spec"]["serveConfigV2"])


def resources_of(options: dict) -> tuple[float, float]:
    actor = options.get("ray_actor_options", {})
    return actor.get("num_cpus", 1), actor.get("num_gpus") or 0


def most_replicas(options: dict) -> int:
    autoscaling = options.get("autoscaling_config")
    return autoscaling["max_replicas"] if autoscaling else options.get("num_replicas", 1)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_document_has_a_known_kind_and_api_version(path):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs
    for doc in docs:
        assert API_VERSIONS.get(doc["kind"]) == doc["apiVersion"], (doc["kind"], doc["apiVersion"])
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
    names = [(d["kind"], d["metadata"]["name"]) for d in documents()]
    assert len(names) == len(set(names))


def test_serve_config_v2_is_the_gpu_cluster_config_and_passes_serves_schema():
    config = serve_config()
    ServeDeploySchema.model_validate(config)
    assert config == yaml.safe_load(GPU_CLUSTER.read_text())
    # Comments included: the copy is the file from `proxy_location` on, indented.
    text = GPU_CLUSTER.read_text()
    assert ray_service()["spec"]["serveConfigV2"] == text[text.index("proxy_location:") :]


def test_ray_version_matches_the_image():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (pin,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("ray[")]
    assert pin.endswith(f"=={cluster()['rayVersion']}")
    assert cluster()["rayVersion"] == ray.__version__


def test_head_runs_no_replicas():
    assert ray_resources(pod_groups()["head"]) == (0, 0)


def test_cpu_group_holds_every_cpu_replica_at_full_scale():
    groups = pod_groups()
    cpu_group = groups[CPU_GROUP]
    pod_cpus, pod_gpus = ray_resources(cpu_group)
    assert pod_gpus == 0
    options = deployments(serve_config())
    # The model's router runs beside the OCR app's replicas; the model itself on the GPU group.
    router = app_config(serve_config(), LLM_APP)["args"]["ingress_deployment_config"]
    needed = 0.0
    for name, deployment in [*options.items(), ("llm router", router)]:
        cpus, gpus = resources_of(deployment)
        assert not gpus, f"{name} needs a GPU"  # only the model does (its own test)
        assert cpus <= pod_cpus, f"a {name} replica does not fit a CPU pod"
        needed += cpus * most_replicas(deployment)
    # OCR replicas pack whole into pods; the 0.5-CPU ones fill the gaps.
    ocr_cpus, _ = resources_of(options["CpuOcr"])
    assert cpu_group["maxReplicas"] * math.floor(pod_cpus / ocr_cpus) >= most_replicas(options["CpuOcr"])
    assert cpu_group["maxReplicas"] * pod_cpus >= needed
    assert 1 <= cpu_group["minReplicas"] <= cpu_group["replicas"] <= cpu_group["maxReplicas"]
    # The container really has the CPUs Ray is told about (requests = limits: no overcommit).
    resources = ray_container(cpu_group)["resources"]
    assert quantity(resources["requests"]["cpu"]) == quantity(resources["limits"]["cpu"]) == pod_cpus


def test_gpu_group_fits_the_model_replicas_and_keeps_cpu_ocr_away():
    gpu_group = pod_groups()[GPU_GROUP]
    pod_cpus, pod_gpus = ray_resources(gpu_group)
    resources = ray_container(gpu_group)["resources"]
    assert quantity(resources["limits"]["nvidia.com/gpu"]) == quantity(resources["requests"]["nvidia.com/gpu"])
    assert pod_gpus == quantity(resources["limits"]["nvidia.com/gpu"]) >= 1
    model = llm_config(serve_config())
    (bundle,) = model["placement_group_config"]["bundles"]
    assert bundle["CPU"] <= pod_cpus and bundle["GPU"] <= pod_gpus
    scaling = model["deployment_config"]["autoscaling_config"]
    assert gpu_group["maxReplicas"] * math.floor(pod_gpus / bundle["GPU"]) >= scaling["max_replicas"]
    # As many GPU pods as model replicas that always run.
    assert gpu_group["minReplicas"] == gpu_group["replicas"] == scaling["min_replicas"]
    # A CPU-OCR replica never fits what a GPU pod advertises, so it never takes a GPU node.
    assert resources_of(deployments(serve_config())["CpuOcr"])[0] > pod_cpus
    # The container keeps real CPUs beyond what Ray schedules, for the model server.
    assert quantity(resources["limits"]["cpu"]) > pod_cpus


def test_only_gpu_pods_mount_the_model_read_only_where_model_source_points():
    model_dir = Path(llm_config(serve_config())["model_loading_config"]["model_source"])
    for name, group in pod_groups().items():
        spec = group["template"]["spec"]
        claims = {v["name"]: v["persistentVolumeClaim"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
        mounts = {m["name"]: m for m in ray_container(group)["volumeMounts"]}
        if name != GPU_GROUP:
            assert not claims, name  # the model stays off the head and CPU pods
            continue
        (volume,) = claims  # the one model volume
        assert claims[volume] == {"claimName": "ocrchat-vlm-model", "readOnly": True}
        mount = mounts[volume]
        assert mount.get("readOnly") is True
        assert model_dir.is_relative_to(mount["mountPath"]) and model_dir != Path(mount["mountPath"])
        # The GPU pods keep the mounts every Ray pod has (logs, /dev/shm).
        head = ray_container(pod_groups()["head"])["volumeMounts"]
        assert all(m in mounts.values() for m in head)


def test_every_ray_pod_runs_the_same_image_with_the_same_settings():
    redis_service = only("Service", "redis")
    (port,) = redis_service["spec"]["ports"]
    images, envs = set(), []
    for name, group in pod_groups().items():
        spec = group["template"]["spec"]
        container = ray_container(group)
        images.add(container["image"])
        env = {e["name"]: e.get("value") for e in container["env"]}
        secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
        envs.append(env)
        # Service links would inject <SERVICE>_PORT=tcp://... variables; one named ocrchat-redis
        # would set OCRCHAT_REDIS_PORT, which Settings reads as a port number.
        assert spec["enableServiceLinks"] is False, name
        redis_host = f"{redis_service['metadata']['name']}:{port['port']}"
        assert env["OCRCHAT_REDIS_URL"] == f"redis://:$(REDIS_PASSWORD)@{redis_host}/0", name
        assert secrets["REDIS_PASSWORD"] == {"name": "ocrchat-redis", "key": "password"}, name
        assert env["OCRCHAT_SERVE_CONFIG"] == f"/app/configs/{GPU_CLUSTER.name}", name
        Settings(**{k.removeprefix("OCRCHAT_").lower(): v for k, v in env.items() if k.startswith("OCRCHAT_")})
        # The password is defined before the URL that expands it.
        names = [e["name"] for e in container["env"]]
        assert names.index("REDIS_PASSWORD") < names.index("OCRCHAT_REDIS_URL"), name
        # Ray's object store lives in /dev/shm: it must fit the memory volume mounted there.
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        shm = volumes[mounts["/dev/shm"]]["emptyDir"]
        assert shm["medium"] == "Memory"
        store = int(group["rayStartParams"]["object-store-memory"])
        assert store <= memory_bytes(shm["sizeLimit"]), name
        # /dev/shm counts against the pod's memory: leave at least half of it to the processes.
        assert memory_bytes(shm["sizeLimit"]) <= memory_bytes(container["resources"]["limits"]["memory"]) // 2
        # The model configs are written into the image at build (Dockerfile); a volume
        # mounted over the state folder would hide them and make every replica rewrite them.
        assert env["OCRCHAT_STATE_DIR"] not in mounts, name
    assert len(images) == 1
    assert all(env == envs[0] for env in envs)
    # No Service in these manifests injects variables with ocrchat's prefix either way.
    for service in (d for d in documents() if d["kind"] == "Service"):
        assert not service["metadata"]["name"].replace("-", "_").upper().startswith("OCRCHAT")


def test_image_is_built_from_this_repository():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert "python3 -m engines.languages --debian-packages" in dockerfile
    assert "fonts-noto-core" in dockerfile
    assert "redis-server" not in re.sub(r"#.*", "", dockerfile)  # Redis runs beside the cluster
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    # The image holds the repository at /app, where OCRCHAT_SERVE_CONFIG points.
    assert re.search(r"^WORKDIR /app$", dockerfile, re.M)
    assert re.search(r"^COPY configs/ configs/$", dockerfile, re.M)
    # Model configs prepared at build, under the state folder the pods use.
    (state_dir,) = re.findall(r"OCRCHAT_STATE_DIR=(\S+)", dockerfile)
    assert "prepare_model_dirs(Settings().model_cache_dir)" in dockerfile
    (env,) = {
        e["value"] for g in pod_groups().values() for e in ray_container(g)["env"] if e["name"] == "OCRCHAT_STATE_DIR"
    }
    assert env == state_dir
    # Every package the project installs is copied into the image.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package}/ {package}/$", dockerfile, re.M), package


def test_redis_persists_and_never_evicts():
    deployment = only("Deployment", "redis")
    service = only("Service", "redis")
    claim = only("PersistentVolumeClaim")
    template = deployment["spec"]["template"]
    (container,) = template["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    # Refuse writes at a cap below the pod's limit (with room for the AOF rewrite's fork),
    # rather than being OOM-killed.
    cap = redis_bytes(args[args.index("--maxmemory") + 1])
    assert cap <= 0.8 * memory_bytes(container["resources"]["limits"]["memory"])
    mount = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert args[args.index("--dir") + 1] == mount["data"]
    (volume,) = template["spec"]["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert "ReadWriteOnce" in claim["spec"]["accessModes"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"  # two Redis on one AOF never
    # The Service reaches the Deployment's pods on Redis's port.
    labels = template["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    (container_port,) = container["ports"]
    assert port["targetPort"] in (container_port["name"], container_port["containerPort"])
    assert port["port"] == container_port["containerPort"] == 6379


def test_redis_requires_the_secrets_password_and_only_ray_pods_reach_it():
    (container,) = only("Deployment", "redis")["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    (auth,) = [e for e in container["env"] if e["name"] == "REDISCLI_AUTH"]
    assert args[args.index("--requirepass") + 1] == "$(REDISCLI_AUTH)"
    assert auth["valueFrom"]["secretKeyRef"] == {"name": "ocrchat-redis", "key": "password"}
    policy = only("NetworkPolicy", "redis-from-ray-pods-only")
    redis_labels = only("Deployment", "redis")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= redis_labels.items()
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    for name, group in pod_groups().items():  # every Ray pod is a source, and only they are
        assert source["podSelector"]["matchLabels"].items() <= group["template"]["metadata"]["labels"].items(), name
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]


def test_the_ray_pods_take_outside_traffic_only_on_serve_and_metrics():
    policy = only("NetworkPolicy", "ocrchat-ray-pods")
    for name, group in pod_groups().items():
        labels = group["template"]["metadata"]["labels"]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items(), name
    from_ray_pods, from_anywhere = policy["spec"]["ingress"]
    assert "ports" not in from_ray_pods and "from" not in from_anywhere
    assert {port["port"] for port in from_anywhere["ports"]} == {8000, 8080}
