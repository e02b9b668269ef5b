"""What the global options hand to every command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliState:
    """Global options of one invocation; commands read settings through it."""

    profile: str | None = None
    base_url: str | None = None
    config_file: Path | None = None
    json_output: bool = False
    verbose: int = 0
