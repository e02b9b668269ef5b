"""What the global options hand to every command: settings, sources, output."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cxone_outbound.cli.output import Output, RedactingFilter
from cxone_outbound.config import LoadedSettings, Settings, load_settings


@dataclass
class CliState:
    """Global options of one invocation; commands read settings and render through it.

    `settings(**flags)` loads once (flags > env > profile > defaults) and caches; `--base-url`
    and `--dialect` count as flags. Commands pass their own flags (e.g. `max_rate=...`); `None`
    means "not given". Loading registers the client secret with the log redactor.
    """

    profile: str | None = None
    base_url: str | None = None
    dialect: str | None = None
    upload_flags: dict[str, object] = field(default_factory=dict)  # --skill, --expiration-days
    config_file: Path | None = None
    json_output: bool = False
    verbose: int = 0
    # `cli.main.invoke` hands itself in: `cxo demo` runs `cxo` in-process without importing
    # cli.main (which imports every command, the demo's too).
    invoke: Callable[[Sequence[str]], int] | None = field(default=None, repr=False)
    redactor: RedactingFilter = field(default_factory=RedactingFilter, repr=False)
    _loaded: LoadedSettings | None = field(default=None, init=False, repr=False)
    _loaded_flags: dict[str, object] | None = field(default=None, init=False, repr=False)
    _output: Output | None = field(default=None, init=False, repr=False)

    @property
    def output(self) -> Output:
        if self._output is None or self._output.json_mode != self.json_output:
            self._output = Output(json_mode=self.json_output, redactor=self.redactor)
        return self._output

    def load(self, **flag_overrides: object) -> LoadedSettings:
        """The effective settings with their sources; warnings are printed on first load."""
        global_flags = {"base_url": self.base_url, "dialect": self.dialect, **self.upload_flags}
        given = {k: v for k, v in flag_overrides.items() if v is not None}  # a command's own win
        flags = {k: v for k, v in global_flags.items() if v is not None} | given
        if self._loaded is None or self._loaded_flags != flags:
            loaded = load_settings(
                flags=flags, profile=self.profile, config_path=self.config_file
            )
            self.redactor.add_secret(loaded.settings.client_secret.get_secret_value())
            self.redactor.add_secret(loaded.settings.lookup_auth_token.get_secret_value())
            if loaded.settings.access_key_secret is not None:
                self.redactor.add_secret(loaded.settings.access_key_secret.get_secret_value())
            if self._loaded is None:
                for warning in loaded.warnings:
                    self.output.warn(warning)
            self._loaded, self._loaded_flags = loaded, flags
        return self._loaded

    def settings(self, **flag_overrides: object) -> Settings:
        """The effective settings (cached after the first call with the same flags)."""
        return self.load(**flag_overrides).settings

    def sources(self) -> Mapping[str, str]:
        """Where each setting came from: `flag`, `env`, `profile:NAME` or `default`."""
        return self.load().sources if self._loaded is None else self._loaded.sources
