"""What a CPU-OCR process holds beside its models: no torch (paddlex would import it through
modelscope, for nothing: the engine runs on ONNX Runtime), and ONNX Runtime sessions that give each
page's tensors back instead of keeping an arena as large as the largest page read so far."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import onnxruntime

from engines.model_files import prepare_model_dirs
from engines.page_reader import cpu_reader

ROOT = Path(__file__).resolve().parent.parent


def test_the_cpu_engine_leaves_torch_unloaded_and_still_importable(tmp_path):
    code = "\n".join(
        [
            "import sys",
            "from pathlib import Path",
            "from engines.paddle_cpu import PaddleCpuEngine",
            f"PaddleCpuEngine(Path({str(tmp_path)!r}), threads=1)",
            "assert 'torch' not in sys.modules, 'the engine imported torch'",
        ]
    )
    if importlib.util.find_spec("torch") is not None:  # the vlm tier in the same process still finds it
        code += "\nfrom transformers.utils import is_torch_available\nassert is_torch_available()"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)


def test_no_model_of_the_cpu_reader_keeps_a_memory_arena(tmp_path, monkeypatch):
    options = []

    class RecordingSession(onnxruntime.InferenceSession):
        def __init__(self, path, sess_options=None, **kwargs) -> None:
            options.append(sess_options)
            super().__init__(path, sess_options=sess_options, **kwargs)

    prepare_model_dirs(tmp_path / "models")  # reads the wheel's models with sessions of its own
    monkeypatch.setattr(onnxruntime, "InferenceSession", RecordingSession)
    cpu_reader(tmp_path / "models", threads=1, det_limit_side_len=1600)
    running = [option for option in options if option is not None]  # None: a model's metadata read
    assert len(running) == 5  # text detection, recognition in two runs, layout, table structure
    assert not any(option.enable_cpu_mem_arena or option.enable_mem_pattern for option in running)
