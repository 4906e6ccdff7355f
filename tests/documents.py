"""Upload files made from the test data: (name, bytes) pairs for multipart posts."""

import io
from pathlib import Path

from PIL import Image

DATA = Path(__file__).parent / "data"


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def truth(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def converted(name: str, image_format: str, **save_args) -> bytes:
    """A test-data image re-encoded as `image_format` (PNG, BMP, GIF, ...)."""
    buffer = io.BytesIO()
    Image.open(DATA / name).convert("RGB").save(buffer, format=image_format, **save_args)
    return buffer.getvalue()


def multipage_tiff(*names: str) -> bytes:
    frames = [Image.open(DATA / name).convert("RGB") for name in names]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return buffer.getvalue()
