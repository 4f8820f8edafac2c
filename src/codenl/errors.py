"""Exceptions that the command line turns into one clear line instead of a traceback."""


class CodenlError(Exception):
    """An expected failure with a message meant for the user (exit status 1)."""


class UsageError(CodenlError):
    """Bad arguments or configuration: the message names the argument, file, line or key (exit status 2)."""


class RecordError(CodenlError):
    """A record file is malformed; the message names the file, the line and the field."""
