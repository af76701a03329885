"""Helpers the tests share: clients, factories, server processes.

Imported as `support.<module>` (tests/ is on sys.path through its conftest).
The modules used to be top-level (`auth_helpers`, `factories`, `serve_process`,
...); those names are gone on purpose, so an old import fails at once.
"""
