"""Errors of the Rafiq core. Each carries the HTTP status it maps to; one place turns them into responses."""

from __future__ import annotations


class RafiqError(Exception):
    """Base class of every Rafiq error."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(RafiqError):
    """A setting is missing or invalid (the service refuses to start)."""

    status = 500


class KnowledgeError(RafiqError):
    """A knowledge file is broken; the message names the file and key in plain words."""

    status = 500

    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem


class BadInput(RafiqError):
    """A request or message the service cannot accept."""

    status = 400


class UnknownLanguage(BadInput):
    """A language code that Rafiq does not support."""

    status = 400


class Forbidden(RafiqError):
    """A request that failed authentication (bad webhook signature or secret)."""

    status = 403


class DeliveryError(RafiqError):
    """A provider refused or failed to deliver a message; `transient` ones are worth retrying."""

    status = 502

    def __init__(self, message: str, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
