"""The store's fixtures for every test here: one SQLite file and one PostgreSQL database per
test (`store_url`), migrated (`engine`), with an injected clock (`clock`, `store`); defined in
test_sql.py, where they were first needed."""

from __future__ import annotations

from tests.store.test_sql import clock, engine, store, store_url

__all__ = ["clock", "engine", "store", "store_url"]
