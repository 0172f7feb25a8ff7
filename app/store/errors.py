"""Errors of the store, mapped onto augur's error tree so the API answers them without help."""

from __future__ import annotations

from app.core.errors import Conflict, Unavailable

__all__ = ["DuplicateMeasurement", "IdTaken", "LeaseLost", "NameTaken", "StoreUnavailable"]


class NameTaken(Conflict):
    """A run with this namespace/name exists already (and was not created with the same key)."""


class IdTaken(Conflict):
    """Another canary config has this id (ids are unique across namespaces, as in Kayenta)."""


class DuplicateMeasurement(Conflict):
    """A measurement with this (run, metric, seq) is stored already: it is never written twice."""


class LeaseLost(Conflict):
    """Another replica holds the run now; this replica's result must not be written."""


class StoreUnavailable(Unavailable):
    """The database could not be reached."""
