"""`mixitup init`: write the commented starter `mixitup.toml` that ships with the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from mixitup.errors import ConfigError


def starter_text() -> str:
    """The starter configuration: every key, explained in comments."""
    return resources.files("mixitup").joinpath("starter.toml").read_text(encoding="utf-8")


def write_starter(path: Path) -> Path:
    """Write the starter configuration to `path`; never overwrite an existing file."""
    try:
        # Exclusive create: a file appearing between a check and the write is still kept.
        with path.open("x", encoding="utf-8") as out:
            out.write(starter_text())
    except FileExistsError:
        raise ConfigError(
            f"{path} already exists; mixitup init leaves it as it is. Edit it, or move it away "
            "and run mixitup init again."
        ) from None
    except OSError as error:
        raise ConfigError(f"Cannot write {path}: {error.strerror}.") from error
    return path
