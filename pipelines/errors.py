"""Exceptions from Ray calls, told to a user in one short line."""


def describe_error(exc: BaseException) -> str:
    """`Type: first line of the message`, for the exception a Ray task or actor call raised."""
    cause = getattr(exc, "cause", None) or exc  # a RayTaskError carries the original exception
    first_line = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first_line}"
