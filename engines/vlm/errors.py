"""Why the vlm tier could not read a page. The messages may be shown to callers: they never name
the model server's address (the logs do)."""

from engines.types import FinalPageError


class VlmError(FinalPageError):
    """The page failed on its own; the other pages of its job go on."""


class VlmUnavailable(VlmError):
    """The model server could not answer (unreachable, too slow, an error status), after retries."""


class VlmAnswerError(VlmError):
    """The model server answered, but not with text and log-probabilities (garbage)."""
