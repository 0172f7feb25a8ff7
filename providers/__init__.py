"""Metric providers: the contract (``base``), the error tree (``errors``), the registry of
built-in providers and plugins (``registry``), one module or package per provider, and the Go
formatting every provider shares (``golang``, ``goduration``, ``jsonpath``).

May import: nothing from ``app``; a provider fetches, the engine judges.
"""
