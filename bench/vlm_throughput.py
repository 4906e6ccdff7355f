"""Pages per second of the vlm tier against its model server: the 137 pages of
`../shared/corpus/olmocr_multipage_pdfs` rendered at `--dpi`, sent as the service sends them
(engines/vlm: the profile's prompt, log-probs, `--in-flight` pages at once), with or without
the CPU text detector's boxes.

Reproduce on a GPU machine (nothing downloaded; random weights of the real model are enough
for throughput): serve the model with `ray.serve.llm` (configs/serve_gpu_cluster.yaml's `llm`
application; vLLM's `load_format: dummy` in `engine_kwargs` for random weights) or
`vllm serve DIR --served-model-name paddleocr-vl`, then
`python bench/vlm_throughput.py --url http://127.0.0.1:8000/llm/v1 [--in-flight 32] [--with-boxes]`.
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from engines.vlm import PaddleLineDetector, VlmEndpoint, VlmError, VlmReader, get_profile  # noqa: E402
from pipelines.documents.document import Limits, open_document  # noqa: E402

OLMOCR = ROOT.parent / "shared" / "corpus" / "olmocr_multipage_pdfs" / "pdfs"


def pages(dpi: int) -> list:
    images = []
    for path in sorted(OLMOCR.glob("*.pdf")):
        document = open_document(path.read_bytes(), Limits(200_000_000, dpi))
        try:
            images.extend(document.render(index) for index in range(document.page_count))
        finally:
            document.close()
    return images


async def read_all(reader: VlmReader, images: list, in_flight: int) -> int:
    """Read every page, `in_flight` at once; the number that failed."""
    slots = asyncio.Semaphore(in_flight)

    async def read_one(image) -> bool:
        async with slots:
            try:
                await reader.read(image)
                return True
            except VlmError as exc:
                print(f"page failed: {exc}", file=sys.stderr)
                return False

    return sum(not ok for ok in await asyncio.gather(*(read_one(image) for image in images)))


async def timed(reader: VlmReader, images: list, in_flight: int) -> tuple[float, int]:
    """Seconds to read every page after a warm-up, and how many failed (one event loop: the
    endpoint's connections belong to it)."""
    await read_all(reader, images[:4], 4)
    start = time.perf_counter()
    failed = await read_all(reader, images, in_flight)
    return time.perf_counter() - start, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the model server's base URL (.../v1)")
    parser.add_argument("--model", default="paddleocr-vl")
    parser.add_argument("--profile", default="paddleocr-vl")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--with-boxes", action="store_true")
    args = parser.parse_args()
    images = pages(args.dpi)
    detector = PaddleLineDetector(ROOT / ".state" / "models") if args.with_boxes else None
    reader = VlmReader(VlmEndpoint(args.url, args.model), get_profile(args.profile), detector)
    seconds, failed = asyncio.run(timed(reader, images, args.in_flight))
    print(f"{len(images) / seconds:.2f} pages/s ({seconds:.1f} s, {len(images)} pages, {failed} failed)")


if __name__ == "__main__":
    main()
