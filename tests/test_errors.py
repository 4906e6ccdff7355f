"""Errors told to users name the exception at the bottom of Ray's wrapping."""

from pipelines.errors import describe_error


class _TaskError(Exception):
    """Like ray.exceptions.RayTaskError: the original exception in `cause`."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("task failed")
        self.cause = cause


def _raised_from(outer: Exception, inner: Exception) -> Exception:
    try:
        raise outer from inner
    except Exception as exc:
        return exc


def test_the_root_cause_is_named_through_causes_and_ray_wrappers():
    inner = ConnectionError("Error 111 connecting to 127.0.0.1:6379.\nConnection refused.")
    wrapped = _TaskError(_raised_from(RuntimeError("UDF failed to process a data block."), inner))
    assert describe_error(wrapped) == "ConnectionError: Error 111 connecting to 127.0.0.1:6379."


def test_a_plain_exception_is_itself_and_long_messages_are_cut():
    assert describe_error(ValueError("x" * 500)) == "ValueError: " + "x" * 200
