"""The API's error responses: JSON `{"detail": ...}` with extra fields, and never a 422."""

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from typing_extensions import TypedDict

from accounts.metering import Meter, Reservation
from accounts.plans import Plan


class ErrorBody(TypedDict):
    """Every error: a message; some add fields (`used`, `cap`, `allowance`, `page_count`, `queued_pages`)."""

    detail: str


class ApiError(Exception):
    """An error response with a message and extra top-level fields (`page_count`, `cap`, ...)."""

    def __init__(self, status: int, detail: str, headers: dict | None = None, **fields: object) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.fields = status, detail, headers, fields


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The contract has no 422: a malformed request is a 400 with a message.
        detail = "Invalid request: " + "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"detail": detail}, status_code=400)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.fields}, status_code=exc.status, headers=exc.headers)


def no_job(job_id: str) -> HTTPException:
    return HTTPException(404, f"No job {job_id!r} (unknown, deleted or expired).")


def check_plan_cap(pages: int, plan: Plan) -> None:
    """402 before any work when the document has more pages than the caller's plan allows per file."""
    cap = plan.max_pages_per_file
    if pages > cap:
        raise ApiError(
            402,
            f"The document has {pages} pages to process; the {plan.name} plan allows {cap} pages per file. "
            "Send fewer pages (the pages field selects them) or use a paid account.",
            page_count=pages,
            cap=cap,
            allowance="max_pages_per_file",
        )


def out_of_credits(meter: Meter, reservation: Reservation, credits: int) -> ApiError:
    """The 402 for a reservation the meter refused."""
    what = {
        "anonymous_daily": "the anonymous daily allowance for this IP",
        "free_monthly": "the free plan's monthly allowance",
        "paid_credits": "the account's purchased credits",
    }[meter.allowance]
    advice = "Add credits." if meter.allowance == "paid_credits" else "Wait for the next period or use a paid account."
    used, cap = reservation.used, reservation.cap
    return ApiError(
        402,
        f"Out of pages: {used} of the {cap} credits of {what} are used; this request needs {credits}. {advice}",
        used=used,
        cap=cap,
        allowance=meter.allowance,
    )
