"""The CPU engine's thread count reaches ONNX Runtime. (paddleocr's `cpu_threads` is for its
Paddle engine: its ONNX Runtime engine ignored it and took a thread per core, so a 1-CPU replica
ran 2 threads.)"""

import onnxruntime

from engines.model_files import prepare_model_dirs
from engines.paddle_cpu import PaddleCpuEngine


def test_every_onnx_session_of_the_engine_gets_its_threads(tmp_path, monkeypatch):
    threads = []

    class RecordingSession(onnxruntime.InferenceSession):
        def __init__(self, *args, sess_options: onnxruntime.SessionOptions, **kwargs) -> None:
            threads.append((sess_options.intra_op_num_threads, sess_options.inter_op_num_threads))
            super().__init__(*args, sess_options=sess_options, **kwargs)

    prepare_model_dirs(tmp_path / "models")  # reads the wheel's models with sessions of its own
    monkeypatch.setattr(onnxruntime, "InferenceSession", RecordingSession)
    PaddleCpuEngine(tmp_path / "models", threads=1)
    assert threads == [(1, 1), (1, 1), (1, 1)]  # detection, and recognition in two runs
