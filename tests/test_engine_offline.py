"""The CPU engine loads and reads with no network: any socket connection attempt fails the test."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.documents import truth
from tests.scoring import cer

DATA = Path(__file__).parent / "data"

_SCRIPT = """
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError(f"network access attempted: {args!r}")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from pathlib import Path
import numpy as np
from PIL import Image
from engines.paddle_cpu import PaddleCpuEngine
engine = PaddleCpuEngine(Path(sys.argv[1]), threads=2, profile=sys.argv[3])
result = engine.recognize(np.asarray(Image.open(sys.argv[2]).convert("RGB")))
print("TEXT:" + " ".join(block.text for block in result.blocks))
"""


def _run(prefix: list[str], tmp_path: Path, profile: str = "accurate") -> str:
    command = [*prefix, sys.executable, "-c", _SCRIPT, str(tmp_path / "models"), str(DATA / "phototest.tif"), profile]
    result = subprocess.run(command, capture_output=True, text=True, cwd=DATA.parent.parent, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split("TEXT:", 1)[1]


@pytest.mark.parametrize("profile", ["accurate", "fast"])
def test_engine_opens_no_socket(tmp_path, profile):
    text = _run([], tmp_path, profile)
    assert "quick brown dog" in text
    assert cer(text, " ".join(truth("phototest.txt").split())) < 0.03


def test_engine_runs_without_a_network_namespace(tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n is not permitted here; the socket test covers the same ground")
    assert "quick brown dog" in _run([unshare, "-n"], tmp_path)
