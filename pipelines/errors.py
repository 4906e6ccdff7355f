"""Exceptions from Ray calls, told to a user in one short line."""


def root_cause(exc: BaseException) -> BaseException:
    """The exception at the bottom of the chain: a RayTaskError carries the original in `cause`,
    and Ray Data raises `UserCodeException(...) from` the exception of the failed block."""
    for _ in range(10):  # chains are short; a cycle must not hang us
        deeper = getattr(exc, "cause", None) or exc.__cause__
        if not isinstance(deeper, BaseException) or deeper is exc:
            break
        exc = deeper
    return exc


def describe_error(exc: BaseException) -> str:
    """`Type: first line of the message`, for the root cause of what a Ray call raised."""
    cause = root_cause(exc)
    first_line = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first_line}"
