"""Metric providers: the contract (``base``), the error tree (``errors``), the registry of
built-in providers and plugins (``registry``), one module or package per provider, the Go
formatting every provider shares (``golang``, ``goduration``, ``jsonpath``) and what the HTTP
providers share (``transport`` for headers and Go's request errors, ``auth`` for OAuth2).

May import: nothing from ``app``; a provider fetches, the engine judges.
"""
