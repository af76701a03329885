""".env.example lists every setting, at its default, each with a comment: a setting added to
`Settings` without a line there fails here, and so does a default changed in one place only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from smooth_gql.config import ConfigError, Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
PROBES = ("DEBUG", "sqlite:///probe.db", "https://probe.example", "graphql-core", "probe")


def _lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def _example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in _lines() if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def _probe(field: dataclasses.Field[object]) -> list[str]:
    """Values unlike the field's default that its variable should accept."""
    default = field.default
    if isinstance(default, bool):
        return [str(not default).lower()]
    if isinstance(default, int | float):
        return [str(int(default) + 1)]
    return list(PROBES)


def _variable_of(field: dataclasses.Field[object]) -> str | None:
    """The environment variable `Settings.from_env` reads this field from, found by setting
    each likely name and watching the field change (no second list of names to keep)."""
    for name in (f"SMOOTH_{field.name.upper()}", field.name.upper()):
        for value in _probe(field):
            try:
                read = Settings.from_env({name: value})
            except ConfigError:
                continue
            if getattr(read, field.name) != field.default:
                return name
    return None


def test_every_setting_is_in_the_example_with_a_comment() -> None:
    variables = {field.name: _variable_of(field) for field in dataclasses.fields(Settings)}
    unread = [name for name, variable in variables.items() if variable is None]
    assert not unread, f"Settings fields no environment variable sets: {unread}"
    listed = _example()
    assert set(listed) == set(variables.values()), "the example lists exactly the settings"
    lines = _lines()
    for index, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            assert index and lines[index - 1].startswith("# "), f"no comment above {line!r}"


def test_the_example_holds_the_defaults() -> None:
    assert Settings.from_env(_example()) == Settings()
