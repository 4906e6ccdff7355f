"""Pages per second per GPU of the vlm tier's vLLM backend, with random weights of the real
architecture and size (`load_format="dummy"`) and a fixed number of output tokens per page,
on the 137 pages of `../shared/corpus/olmocr_multipage_pdfs` rendered at the model's
resolution. Compare with olmOCR-2's published 4.5 pages/s on one H100 (a 7B model).

Reproduce (a GPU machine with vllm installed, nothing downloaded):
1. A folder with the model's config, tokenizer and processor files and no weights, e.g. the
   non-`*.safetensors` files of PaddlePaddle/PaddleOCR-VL copied from a machine that has them.
2. `python bench/vlm_throughput.py --model-dir DIR [--tokens 512] [--dpi 200] [--with-boxes]`
   It prints pages/s for the model alone (one `read_batch` over all pages: vLLM schedules
   them continuously) and, with `--with-boxes`, with the CPU text detector aligning boxes.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from engines.vlm import PaddleLineDetector, load_vlm_reader  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--tokens", type=int, default=512, help="output tokens per page (forced)")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--with-boxes", action="store_true")
    args = parser.parse_args()
    images = pages(args.dpi)
    detector = PaddleLineDetector(ROOT / ".state" / "models") if args.with_boxes else None
    start = time.perf_counter()
    reader = load_vlm_reader(
        args.model_dir,
        backend="vllm",
        detector=detector,
        max_new_tokens=args.tokens,
        load_format="dummy",
        min_tokens=args.tokens,
        ignore_eos=True,
    )
    print(f"model loaded in {time.perf_counter() - start:.0f} s; {len(images)} pages", flush=True)
    reader.read_batch(images[:4])  # warm-up: CUDA graphs, kernels
    start = time.perf_counter()
    read = reader.read_batch(images)
    seconds = time.perf_counter() - start
    tokens = sum(len(page.raw_text) > 0 for page in read)
    print(f"{len(images) / seconds:.2f} pages/s ({seconds:.1f} s, {args.tokens} tokens/page, {tokens} non-empty pages)")


if __name__ == "__main__":
    main()
