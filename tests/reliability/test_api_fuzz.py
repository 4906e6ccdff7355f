"""Schemathesis against the running service's own OpenAPI schema (`/openapi.json`).

Every operation gets a bounded, derandomized set of generated requests (positive data, and
negative data where the operation takes input). Beyond what the schema says, the requests mix
in what makes the service do real work: real job ids of the caller (done, failed, someone
else's), real documents in the upload (a PNG, born-digital and long PDFs, a corrupt page,
garbage), known field values, the download formats, chat questions, and three callers (a paid
account with plenty of credits, an anonymous client named by a fuzzed `X-Forwarded-For`, an
unknown token).

- `test_no_server_error`: no 5xx except a deliberate 503 (a JSON `detail`: a tier or tool this
  deployment lacks), never a 422, every error a JSON `{"detail": ...}`, a 429 with Retry-After.
- `test_responses_match_the_schema`: status codes, content types and bodies as documented.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.store import create_account
from tests.reliability.load_client import born_digital_page, long_pdf, pdf_with_corrupt_page, text_png
from tests.reliability.test_load import wait_until_idle

SUBMIT = ("POST", "/api/v1/ocr/")
JOB = ("GET", "/api/v1/ocr/{job_id}/")
DELETE = ("DELETE", "/api/v1/ocr/{job_id}/")
DOWNLOAD = ("GET", "/api/v1/ocr/{job_id}/download/")
CHAT = ("POST", "/api/v1/chat/{job_id}/")
HISTORY = ("GET", "/api/v1/chat/{job_id}/history/")
LANGUAGES = ("GET", "/api/v1/languages/")
CAPABILITIES = ("GET", "/api/v1/capabilities/")
ACCOUNT = ("GET", "/api/v1/account/")
PAGE_IMAGE = ("GET", "/api/v1/ocr/{job_id}/pages/{index}/image")
OPERATIONS = [SUBMIT, JOB, DELETE, DOWNLOAD, CHAT, HISTORY, LANGUAGES, CAPABILITIES, ACCOUNT, PAGE_IMAGE]
# Negative data needs an input that can be invalid: a path parameter of type string cannot.
WITH_INVALID_INPUT = [SUBMIT, DOWNLOAD]

MAX_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15
FUZZ_CREDITS = 1_000_000
FORMATS = ["txt", "md", "docx", "pdf", "csv", "json"]
# Status codes answered per operation, printed by the last test of the module.
STATUSES_SEEN: defaultdict[str, Counter] = defaultdict(Counter)
# 503 is a deliberate answer (a tier or tool this deployment lacks, a runner that cannot take a
# job now); `_check_contract` demands its JSON `detail`.
SCHEMA_CONFIG = schemathesis.Config.from_dict(
    {"checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}}}
)


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,  # the same requests every run
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: it would replay OCR requests
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


class FuzzWorld:
    """What the generated requests are mixed with: callers, their jobs and documents."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.jobs: dict[str, str] = {}  # name -> uuid, jobs of the fuzz account
        self.deletable: list[str] = []  # jobs the DELETE operation may remove
        self.documents: dict[str, bytes] = {
            "png": text_png("Fuzz 42"),
            "pdf": born_digital_page("Fuzz page"),
            "long_pdf": long_pdf(7, seed=42),
            "corrupt_pdf": pdf_with_corrupt_page(42),
            "empty": b"",
            "garbage": b"\x00\x01 not a document" * 10,
            "truncated_pdf": born_digital_page("cut")[:200],
        }

    def headers(self, caller: str) -> dict[str, str]:
        return {
            "account": {"Authorization": f"Bearer {self.token}"},
            "anonymous": {},
            "bad_token": {"Authorization": "Bearer ocr_not_a_token"},
        }[caller]


@pytest.fixture(scope="module", autouse=True)
def quiet_afterwards(service, redis_server) -> Iterator[None]:
    """Leave no job running for the modules after this one."""
    yield
    wait_until_idle(redis.Redis.from_url(redis_server.url, decode_responses=True))


@pytest.fixture(scope="module")
def world(service, redis_server) -> FuzzWorld:
    store = redis.Redis.from_url(redis_server.url, decode_responses=True)
    _, token = create_account(store, "paid", credits=FUZZ_CREDITS)
    world = FuzzWorld(token)
    with httpx.Client(base_url=service.url, timeout=300, headers=world.headers("account")) as http:

        def submit(name: str, document: str, **fields: str) -> str:
            response = http.post("/api/v1/ocr/", files={"file": (name, world.documents[document])}, data=fields)
            assert response.status_code == 200, response.text
            return response.json()["uuid"]

        world.jobs["done_png"] = submit("scan.png", "png")
        world.jobs["done_pdf"] = submit("report.pdf", "pdf")
        world.jobs["one_page_failed"] = submit("corrupt.pdf", "corrupt_pdf")
        world.jobs["all_pages_failed"] = submit("corrupt.pdf", "corrupt_pdf", pages="2")
        world.deletable = [submit(f"delete-{n}.pdf", "pdf") for n in range(3)]
        anonymous = httpx.post(f"{service.url}/api/v1/ocr/", files={"file": ("a.pdf", world.documents["pdf"])})
        world.jobs["someone_elses"] = anonymous.json()["uuid"]
    return world


@pytest.fixture(scope="module")
def api_schema(service) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service.url}/openapi.json", config=SCHEMA_CONFIG, timeout=30)


def test_openapi_schema_is_served_and_lists_the_api(service, api_schema):
    assert httpx.get(f"{service.url}/docs").status_code == 200
    served = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert served == set(OPERATIONS)


# Values the service knows, mixed into the generated (mostly random) form fields.
KNOWN_FIELD_VALUES = {
    "language": ["auto", "en", "de", "ar", "ja", "ru"],
    "tool": ["extract-tables", "handwriting-to-text", "translate"],
    "pages": ["1", "2-", "-1", "1-3,7", "0", "2-1", "99999999999999999999", " 1 , 1 "],
    "force_ocr": ["true", "false", "maybe"],
}

FORWARDED_FOR = ["10.9.8.7", "2001:db8::1", "203.0.113.9, 127.0.0.1", "not an address", ", ,"]
HEADER_TEXT = st.characters(min_codepoint=32, max_codepoint=126)


def _request(data: st.DataObject, case: Case, operation: tuple[str, str], world: FuzzWorld) -> tuple[str, dict]:
    """Mix real callers, jobs and documents into a generated case; returns the caller and the
    headers to send."""
    caller = data.draw(st.sampled_from(["account", "account", "account", "anonymous", "bad_token"]), "caller")
    headers = world.headers(caller)
    if caller == "anonymous":  # the test client is a trusted proxy: this names the client
        forwarded = data.draw(st.one_of(st.none(), st.sampled_from(FORWARDED_FOR), st.text(HEADER_TEXT)), "XFF")
        if forwarded is not None:
            headers = {**headers, "X-Forwarded-For": forwarded}
    if "job_id" in operation[1]:
        ids = world.deletable if operation == DELETE else list(world.jobs.values())
        job_id = data.draw(st.sampled_from([None, *ids]), "real job id")
        if job_id is not None:
            case.path_parameters = {**(case.path_parameters or {}), "job_id": job_id}
    if operation == PAGE_IMAGE:  # the first page of a real job, now and then
        if data.draw(st.booleans(), "first page"):
            case.path_parameters = {**(case.path_parameters or {}), "index": 0}
        if data.draw(st.booleans(), "a sound width"):
            case.query = {**(case.query or {}), "width": 400}
    if operation == SUBMIT and isinstance(case.body, dict):
        document = data.draw(st.sampled_from([None, *world.documents]), "document")
        if document is not None:
            case.body["file"] = world.documents[document]
        for name, values in KNOWN_FIELD_VALUES.items():
            value = data.draw(st.sampled_from([None, None, *values]), name)
            if value is not None:
                case.body[name] = value
        key = data.draw(st.sampled_from([None, None, "fuzz-key", "k" * 300]), "Idempotency-Key")
        if key is not None:
            headers = {**headers, "Idempotency-Key": key}
    if operation == DOWNLOAD:
        fmt = data.draw(st.sampled_from([None, *FORMATS]), "format")
        if fmt is not None:
            case.query = {**(case.query or {}), "format": fmt}
    if operation == CHAT:  # mix real questions and missing or junk ones into the generated bodies
        message = data.draw(st.one_of(st.none(), st.text(max_size=50), st.just("What does it say?")), "message")
        if message is not None:
            case.body, case.media_type = {"message": message}, "application/json"
    return caller, headers


def _describe(case: Case, caller: str, headers: dict[str, str], response: schemathesis.Response) -> str:
    body = response.content[:1000] if response.content else b""
    return (
        f"\nRequest ({caller} caller): {case.as_curl_command(headers=headers)}"
        f"\nResponse: {response.status_code} {dict(response.headers)}\n{body!r}"
    )


def _check_contract(response: schemathesis.Response) -> None:
    """The README's error contract, which the schema does not state."""
    status = response.status_code
    assert status != 422, "the API never answers 422"
    if status >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"error with content type {content_type!r}"
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("detail"), str), "errors are JSON {'detail': ...}"
    if status == 429:
        assert "retry-after" in {name.lower() for name in response.headers}, "429 without Retry-After"


def _run(
    api_schema: schemathesis.BaseSchema,
    service,
    world: FuzzWorld,
    operation: tuple[str, str],
    mode: GenerationMode,
    examples: int,
    validate: Callable[[Case, schemathesis.Response], None],
) -> None:
    api_operation = api_schema[operation[1]][operation[0]]

    @_fuzz_settings(examples)
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        case = data.draw(api_operation.as_strategy(mode), "case")
        caller, headers = _request(data, case, operation, world)
        response = case.call(base_url=service.url, headers=headers, timeout=300)
        STATUSES_SEEN[f"{operation[0]} {operation[1]}"][response.status_code] += 1
        try:
            validate(case, response)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
            raise AssertionError(f"{exc}{_describe(case, caller, headers, response)}") from exc

    fuzz()


def _params(
    operations: list[tuple[str, str]], mode: GenerationMode, xfails: dict[tuple[str, str], str] | None = None
) -> list:
    """One test per operation; `xfails`: operations with a known finding, and why."""
    xfails = xfails or {}
    params = []
    for op in operations:
        marks = [pytest.mark.xfail(strict=True, reason=xfails[op])] if op in xfails else []
        params.append(pytest.param(mode, op, id=f"{mode.value}-{op[0]} {op[1]}", marks=marks))
    return params


@pytest.mark.parametrize(
    ("mode", "operation"),
    _params(OPERATIONS, GenerationMode.POSITIVE) + _params(WITH_INVALID_INPUT, GenerationMode.NEGATIVE),
)
def test_no_server_error(api_schema, service, world, mode, operation):
    def validate(case: Case, response: schemathesis.Response) -> None:
        case.validate_response(response, checks=[not_a_server_error])
        _check_contract(response)

    examples = MAX_EXAMPLES if mode == GenerationMode.POSITIVE else NEGATIVE_EXAMPLES
    _run(api_schema, service, world, operation, mode, examples, validate)


@pytest.mark.parametrize(("mode", "operation"), _params(OPERATIONS, GenerationMode.POSITIVE))
def test_responses_match_the_schema(api_schema, service, world, mode, operation):
    def validate(case: Case, response: schemathesis.Response) -> None:
        case.validate_response(
            response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )

    _run(api_schema, service, world, operation, mode, MAX_EXAMPLES, validate)


def test_every_operation_answered_a_success(capsys):
    """The fuzzing reached past the error paths: every operation succeeded at least once (runs
    after the tests above; alone it has nothing to look at)."""
    if not STATUSES_SEEN:
        pytest.skip("run with the fuzz tests above")
    with capsys.disabled():
        print("\nstatus codes answered per operation:")
        for operation, statuses in sorted(STATUSES_SEEN.items()):
            print(f"  {operation}: {dict(sorted(statuses.items()))}")
    for method, path in OPERATIONS:
        statuses = STATUSES_SEEN[f"{method} {path}"]
        assert any(200 <= status < 300 for status in statuses), f"{method} {path} never succeeded: {statuses}"
