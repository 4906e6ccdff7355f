"""Deployment options from a Serve config YAML, so `ocrchat serve` and `serve deploy` agree."""

from pathlib import Path

import yaml

DEFAULT_SERVE_CONFIG = Path(__file__).parent / "serve_laptop.yaml"


def deployment_options(config_path: Path, app_name: str = "ocrchat") -> dict[str, dict]:
    """Deployment name -> its options (everything but the name) for the app in the config."""
    config = yaml.safe_load(config_path.read_text())
    for app in config["applications"]:
        if app["name"] == app_name:
            return {d["name"]: {k: v for k, v in d.items() if k != "name"} for d in app.get("deployments", [])}
    raise ValueError(f"{config_path} has no application named {app_name!r}.")
