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
