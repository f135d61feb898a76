"""The one error type genbench raises for problems a user can fix.

The CLI turns it into a message and a non-zero exit; library code never exits.
"""


class GenbenchError(Exception):
    """A problem with the user's input, files or environment; the message says what and where."""

    exit_code = 2


class InputError(GenbenchError):
    """A file, folder, model output or argument is invalid."""


class UnavailableError(GenbenchError):
    """Something a metric or feature network needs is not present on this machine."""


# Raised from a user's or vendor's code, these pass on as they are: genbench's own errors, and
# Ctrl-C, which still stops the run (the CLI exits 130). Anything else such code raises becomes an
# error naming that code, SystemExit and other BaseException subclasses too: sys.exit(0) inside a
# model must not end a run as if it had succeeded, nor as a traceback.
PASSED_ON = (GenbenchError, KeyboardInterrupt)


def message_of(exc: BaseException) -> str:
    """The message of an exception raised by a user's code, even one whose ``str()`` raises."""
    try:
        return str(exc)
    except Exception:  # a hostile __str__
        return "(its message cannot be read)"


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception raised by a user's code."""
    text = message_of(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
