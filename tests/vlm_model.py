"""A tiny, randomly initialised PaddleOCR-VL model folder for the VLM engine's CPU tests.

The real architecture (vision tower, projector, ERNIE text model) at toy sizes, a byte-level BPE
tokenizer trained here on a few sentences, PaddleOCR-VL's special tokens and chat template, and a
small image processor, all saved with `save_pretrained` the way a downloaded model folder looks.
It proves the plumbing (preprocessing, prompt, generation, parsing, boxes, confidence), not accuracy.
"""

from pathlib import Path

# The chat template of PaddlePaddle/PaddleOCR-VL: the image, then the prompt, as the user's message.
CHAT_TEMPLATE = """{%- if not add_generation_prompt is defined -%}
    {%- set add_generation_prompt = true -%}
{%- endif -%}
{%- if not cls_token is defined -%}
    {%- set cls_token = "<|begin_of_sentence|>" -%}
{%- endif -%}
{%- if not eos_token is defined -%}
    {%- set eos_token = "</s>" -%}
{%- endif -%}
{%- if not image_token is defined -%}
    {%- set image_token = "<|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>" -%}
{%- endif -%}
{{- cls_token -}}
{%- for message in messages -%}
    {%- if message["role"] == "user" -%}
        {{- "User: " -}}
        {%- for content in message["content"] -%}
            {%- if content["type"] == "image" -%}
                {{ image_token }}
            {%- endif -%}
        {%- endfor -%}
        {%- for content in message["content"] -%}
            {%- if content["type"] == "text" -%}
                {{ content["text"] }}
            {%- endif -%}
        {%- endfor -%}
        {{ "\\n" -}}
    {%- elif message["role"] == "assistant" -%}
        {{- "Assistant: " -}}
        {%- for content in message["content"] -%}
            {%- if content["type"] == "text" -%}
                {{ content["text"] }}
            {%- endif -%}
        {%- endfor -%}
        {{ eos_token -}}
    {%- elif message["role"] == "system" -%}
        {%- for content in message["content"] -%}
            {%- if content["type"] == "text" -%}
                {{ content["text"] + "\\n" }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- "Assistant: " -}}
{%- endif -%}"""

# Ids 0-2 as in ERNIE (pad/unk, bos, eos); the rest as PaddleOCR-VL names them.
SPECIAL_TOKENS = [
    "<unk>",
    "<s>",
    "</s>",
    "<|begin_of_sentence|>",
    "<|end_of_sentence|>",
    "<|IMAGE_START|>",
    "<|IMAGE_PLACEHOLDER|>",
    "<|IMAGE_END|>",
    "<|VIDEO_PLACEHOLDER|>",
]
# PaddleOCR-VL's table markup: ordinary (not special) tokens, so decoding keeps them.
TABLE_TOKENS = ["<fcel>", "<ecel>", "<lcel>", "<ucel>", "<xcel>", "<nl>"]

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Invoice number 2024-0042, due on 12 March.",
    "Total amount: 1,250.00 EUR including VAT.",
    "OCR: Table Recognition: Formula Recognition: Chart Recognition:",
    "User: Assistant: read the page line by line",
    "x^2 + y^2 = z^2 \\frac{a}{b} \\sum_{i=1}^{n} i",
    "Name Age City\nAlice 30 Paris\nBob 25 Berlin",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Der Bericht wurde am Montag veröffentlicht. Les résultats sont bons.",
    "0123456789 () [] {} <> | - + = * / # $ % & @ ! ? ; : , .",
]

# Small enough that a page becomes at most 16 image tokens (64 patches of 14 px).
IMAGE_MIN_PIXELS = 28 * 28 * 4
IMAGE_MAX_PIXELS = 28 * 28 * 16
SEED = 1
# Wider than the default 0.02, so that greedy decoding of the random model writes varied tokens (and newlines).
INIT_RANGE = 0.2


def _train_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    # SentencePiece-style pieces (as ERNIE's tokenizer): spaces become "▁", newlines stay inside pieces.
    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL_TOKENS, show_progress=False)
    backend.train_from_iterator(CORPUS * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        pad_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<|begin_of_sentence|>",
        sep_token="<|end_of_sentence|>",
        extra_special_tokens={"image_token": "<|IMAGE_PLACEHOLDER|>"},
        padding_side="left",
        model_max_length=4096,
    )
    tokenizer.add_tokens(TABLE_TOKENS)
    return tokenizer


def _config(tokenizer):
    from transformers import PaddleOCRVLConfig

    ids = tokenizer.convert_tokens_to_ids
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "max_position_embeddings": 4096,
        "initializer_range": INIT_RANGE,
        "pad_token_id": ids("<unk>"),
        "bos_token_id": ids("<s>"),
        "eos_token_id": ids("</s>"),
        # mrope sections (temporal, height, width) cover head_dim / 2 frequencies.
        "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0, "mrope_section": [2, 3, 3]},
    }
    vision_config = {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "image_size": 56,
        "patch_size": 14,
        "spatial_merge_size": 2,
    }
    return PaddleOCRVLConfig(
        initializer_range=INIT_RANGE,
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids("<|IMAGE_PLACEHOLDER|>"),
        video_token_id=ids("<|VIDEO_PLACEHOLDER|>"),
        vision_start_token_id=ids("<|IMAGE_START|>"),
        vision_end_token_id=ids("<|IMAGE_END|>"),
    )


def build_tiny_paddleocr_vl(target: Path) -> Path:
    """Write the model folder to `target` and return it."""
    import torch
    from transformers import GenerationConfig, PaddleOCRVLForConditionalGeneration, PaddleOCRVLProcessor
    from transformers.models.paddleocr_vl.image_processing_pil_paddleocr_vl import PaddleOCRVLImageProcessorPil

    torch.manual_seed(SEED)
    tokenizer = _train_tokenizer()
    config = _config(tokenizer)
    model = PaddleOCRVLForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=config.text_config.bos_token_id,
        eos_token_id=config.text_config.eos_token_id,
        pad_token_id=config.text_config.pad_token_id,
        do_sample=False,
    )
    # The PIL image processor: the torchvision one needs torchvision, which CPU deployments lack.
    image_processor = PaddleOCRVLImageProcessorPil(
        min_pixels=IMAGE_MIN_PIXELS,
        max_pixels=IMAGE_MAX_PIXELS,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    processor = PaddleOCRVLProcessor(image_processor=image_processor, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    processor.save_pretrained(target)
    return target
