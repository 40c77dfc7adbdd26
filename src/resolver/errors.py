"""User-facing errors: each carries a one-line message and the process exit code."""

from __future__ import annotations


class ResolverError(Exception):
    """Base class for errors reported to the user without a traceback."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(ResolverError):
    """Bad input data: missing/unreadable file, wrong columns, duplicate ids, ..."""

    exit_code = 2


class ModelError(ResolverError):
    """A model file that is corrupt, from another version or incompatible with the features."""

    exit_code = 2


class UsageError(ResolverError):
    """Bad command-line usage (options that conflict, output folder exists, ...)."""

    exit_code = 2
