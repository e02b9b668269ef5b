"""`run_demo`: a sandbox, a workload, the five jobs end to end, a report per run, a table.

Each job runs through `cxo` itself, in this process (`invoke` is `cli.main.invoke`, injected so
this package needs nothing of the CLI's): the demo shows the commands an operator would type,
with their progress bars and summaries, on the same code paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from rich import box
from rich.console import Console
from rich.table import Table

from cxone_outbound.config import Settings
from cxone_outbound.demo import steps, tenant, workload
from cxone_outbound.demo.files import read_columns, write_csv, write_text
from cxone_outbound.demo.steps import Step, StepResult, Workload
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.runner import journal_path, run_dir_for
from cxone_outbound.report import write_report
from cxone_outbound.sandbox.server import SandboxServer
from cxone_outbound.webhooks.listener import ListenerThread

Invoke = Callable[[Sequence[str]], int]

DEFAULT_CONTACTS = 100_000
UPDATE_SHARE = 0.03  # "a few thousand" changes for 100k contacts
MAX_UPDATES = 3_000
LIST_CSV = "list-as-imported.csv"
"""The list's (contact id, phone) as read back after the import, from which the rest of the
workload is drawn (streamed: the demo never holds the list)."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    state_dir: Path
    contacts: int = DEFAULT_CONTACTS
    fresh: bool = False
    port: int = 0
    seed: int = 7
    progress: str = "auto"
    dialect: str = "v2"  # "admin": the jobs speak the sandbox's Admin API, as on a real tenant


@dataclass(slots=True)
class DemoResult:
    results: list[StepResult] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    folder: Path | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def demo_root(state_dir: Path) -> Path:
    """Where the demo keeps its sandbox database and session folders."""
    return state_dir / "demo"


def _session_folder(root: Path) -> tuple[str, Path]:
    sessions = root / "sessions"
    number = 1
    while (sessions / f"session-{number}").exists():
        number += 1
    return f"session-{number}", sessions / f"session-{number}"


@contextlib.contextmanager
def _demo_environment(root: Path) -> Iterator[None]:
    """Hide CXONE_* variables while the demo runs: it targets its own sandbox, not a tenant
    the shell happens to be configured for. The admin dialect's discovery cache and webhook
    registry (user directories) live in the demo's folder meanwhile."""
    saved = {k: v for k, v in os.environ.items()
             if k.startswith("CXONE_") or k in ("XDG_CACHE_HOME", "XDG_DATA_HOME")}
    for key in saved:
        del os.environ[key]
    os.environ["XDG_CACHE_HOME"] = str(root / "xdg-cache")
    os.environ["XDG_DATA_HOME"] = str(root / "xdg-data")
    try:
        yield
    finally:
        for key in ("XDG_CACHE_HOME", "XDG_DATA_HOME"):
            os.environ.pop(key, None)
        os.environ.update(saved)


def demo_config(dialect: str, server: SandboxServer) -> str:
    """The demo's own config file: the sandbox's defaults, and the dialect with its key."""
    if dialect != "admin":
        return "# cxo demo: the sandbox's defaults, nothing else\n"
    return (
        "# cxo demo on the admin dialect: the sandbox's Admin API, as a real tenant serves it\n"
        "[default]\n"
        'dialect = "admin"\n'
        f'access_key_id = "{server.access_key_id}"\n'
        f'access_key_secret = "{server.access_key_secret}"  # the sandbox\'s demo key\n'
    )


def demo_settings(dialect: str, server: SandboxServer) -> Settings:
    """The settings the demo's own calls use: the same as its config file gives `cxo`."""
    if dialect != "admin":
        return Settings(base_url=server.base_url)
    return Settings(base_url=server.base_url, dialect="admin",
                    access_key_id=server.access_key_id,
                    access_key_secret=SecretStr(server.access_key_secret))


class Demo:
    """One demo session (create, then `run()`)."""

    def __init__(self, options: DemoOptions, invoke: Invoke, console: Console) -> None:
        self.options = options
        self.invoke = invoke
        self.console = console
        self.root = demo_root(options.state_dir)
        self.result = DemoResult()

    def run(self) -> DemoResult:
        started = time.monotonic()
        if self.options.fresh and self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        tag, folder = _session_folder(self.root)
        self.result.folder = folder
        rng = random.Random(f"{self.options.seed}-{tag}")
        dialect = self.options.dialect
        self._say(f"[bold]cxo demo[/] {tag}: files in {folder}"
                  + (" (admin dialect: a real tenant's API)" if dialect == "admin" else ""))
        contacts_csv, generated = self._write_contacts(rng, folder, tag)
        server = SandboxServer(db_path=self.root / "sandbox.db", port=self.options.port)
        with _demo_environment(self.root), server, ListenerThread(
            "not-yet-registered", out=folder / "events.jsonl"
        ) as listener:
            config_file = write_text(self.root / "cxo-demo.toml", demo_config(dialect, server),
                                     private=True)  # it may hold the sandbox's access key
            self._say(
                f"sandbox at {server.base_url} (state: {server.db_path}); "
                f"webhook listener at {listener.url}"
            )
            settings = demo_settings(dialect, server)
            hook = asyncio.run(tenant.register_hook(settings, f"cxo-demo-{tag}", listener.url))
            listener.listener.secret = hook.secret
            try:
                self._run_jobs(rng, folder, tag, settings, contacts_csv, generated,
                               steps.global_args(server.base_url, config_file))
                self._wait_for_activation(listener)
            finally:
                asyncio.run(tenant.delete_hook(settings, hook.id))
            for event in listener.events:
                self.result.events[event.event] = self.result.events.get(event.event, 0) + 1
        self.result.problems = steps.problems(self.result.results)
        self.result.elapsed_s = time.monotonic() - started
        self._closing_table()
        return self.result

    # ------------------------------------------------------------------ workload

    def _write_contacts(self, rng: random.Random, folder: Path, tag: str) -> tuple[Path, int]:
        path = folder / "contacts.csv"
        with self.console.status(f"generating {self.options.contacts:,} contacts"):
            rows = (c.row for c in workload.contacts(rng, self.options.contacts, tag))
            count = write_csv(path, workload.CONTACT_COLUMNS, rows)
        self._say(
            f"{count:,} contacts in {path.name}: phones of 8 countries written every which way "
            "(national, international, 00, dots and dashes), duplicates, junk, bad emails"
        )
        return path, count

    def _write_rest(
        self, rng: random.Random, folder: Path, listed: Path, count: int
    ) -> tuple[Path, Path, int, int]:
        """The files made from the list as read (`listed`, `count` contacts): each reads it
        again as a stream, so the demo's memory does not grow with the list."""
        def ids() -> Iterator[str]:
            return (contact_id for contact_id, in read_columns(listed, 0))

        n_updates = min(MAX_UPDATES, max(10, int(count * UPDATE_SHARE)))
        updates = folder / "changes.csv"
        changes = workload.update_rows(rng, ids(), n_updates)
        n_upd = write_csv(updates, workload.UPDATE_COLUMNS, changes)
        crm = folder / "crm-extract.csv"
        n_crm = write_csv(crm, workload.CRM_COLUMNS, workload.crm_rows(rng, ids()))
        disposable = workload.disposable_entries(rng, _phones(listed), max(1, count // 500))
        write_text(folder / "disposable.txt", workload.disposable_text(disposable))
        write_text(folder / "mapping.toml", workload.MAPPING_TOML)
        write_text(folder / "directive.toml", workload.DIRECTIVE_TOML)
        write_text(folder / "preview.toml", workload.preview_toml(self.options.dialect))
        return updates, crm, n_upd, n_crm

    # ------------------------------------------------------------------ the jobs

    def _run_jobs(self, rng: random.Random, folder: Path, tag: str, settings: Settings,
                  contacts_csv: Path, generated: int, head: tuple[str, ...]) -> None:
        state_dir, progress = self.options.state_dir, self.options.progress
        made = asyncio.run(tenant.create_list_and_campaign(settings, tag))
        self._say(f"contact list {made.list_id}, preview campaign {made.campaign_id}")
        w = Workload(folder, contacts_csv, folder / "changes.csv", folder / "crm-extract.csv",
                     folder / "mapping.toml", folder / "directive.toml", folder / "preview.toml",
                     made.list_id, made.campaign_id)
        if not self._step(steps.import_step(w, state_dir, progress), head):
            return
        listed = folder / LIST_CSV
        count = asyncio.run(tenant.write_list(settings, made.list_id, listed))
        _, _, n_upd, n_crm = self._write_rest(rng, folder, listed, count)
        suppressed = sorted(set(workload.suppression_phones(rng, _phones(listed))))
        added = asyncio.run(tenant.suppress(settings, suppressed))
        self._say(
            f"the list holds {count:,} contacts ({LIST_CSV}); {n_upd:,} changes in changes.csv, "
            f"{n_crm:,} CRM rows in crm-extract.csv, {added:,} numbers suppressed"
        )
        if not self._step(steps.update_step(w, state_dir, progress), head):
            return
        if not self._step(steps.enrich_step(w, state_dir, progress), head):
            return
        again = self._step(steps.enrich_again_step(w, state_dir, progress), head)
        if again is None:
            return
        sync = again.summary.get("sync")
        if isinstance(sync, dict):
            self._say(f"{sync.get('unchanged', 0):,} unchanged, {sync.get('sent', 0):,} sent "
                      f"(of {sync.get('rowsCompared', 0):,} rows compared with the list)")
        plan = self._step(steps.sanitize_plan_step(w, state_dir, progress), head)
        if plan is None or plan.run_dir is None:
            return
        apply = steps.sanitize_apply_step(w, plan.run_dir / "plan.json", state_dir, progress)
        if not self._step(apply, head):
            return
        if not self._step(steps.preview_plan_step(w), head):
            return
        if not self._step(steps.preview_apply_step(w, state_dir), head):
            return
        self._step(steps.check_step(w, state_dir, progress), head)

    def _step(self, step: Step, head: tuple[str, ...]) -> StepResult | None:
        """Run one step as `cxo` would; its result, or None when the demo must stop."""
        number = len(self.result.results) + 1
        self.console.rule(f"[bold]{number}. {step.label}[/]: {step.explains}")
        self._say(f"$ cxo {' '.join(_shown(step.args, self.result.folder))}", style="dim")
        before = self._run_ids(step.job)
        started = time.monotonic()
        code = self.invoke([*head, *step.args])
        result = StepResult(step, code, time.monotonic() - started)
        if step.job is not None:
            new = [r for r in self._run_ids(step.job) if r not in before]
            if new:
                result.run_id = new[0]
                result.run_dir = run_dir_for(self.options.state_dir, new[0])
                result.summary = _read_summary(result.run_dir)
                if (result.run_dir / "audit.jsonl").exists():
                    result.report = write_report(result.run_dir)
        self.result.results.append(result)
        if code not in steps.ACCEPTED_EXIT_CODES:
            self._say(f"{step.label} ended with exit code {code}: the demo stops here", "red")
            return None
        if code == 1:
            self._say("exit 1: some records failed, as the workload's junk is meant to", "yellow")
        return result

    def _run_ids(self, job: str | None) -> list[str]:
        path = journal_path(self.options.state_dir)
        if job is None or not path.exists():
            return []
        with Journal(path) as journal:
            return [run.id for run in journal.list_runs(5, job)]

    def _wait_for_activation(self, listener: ListenerThread) -> None:
        if not any(r.step.job == "preview" and r.exit_code == 0 for r in self.result.results):
            return
        with contextlib.suppress(TimeoutError):
            listener.wait_for(1, event="campaign.preview.activated", within=10.0)

    # ------------------------------------------------------------------ output

    def _say(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, highlight=False, soft_wrap=True)

    def _closing_table(self) -> None:
        table = Table(
            title="cxo demo: every run",
            caption=f"report paths are relative to {self.options.state_dir}",
            box=box.SIMPLE_HEAD,
        )
        for column in ("job", "records", "succeeded", "failed", "unchanged", "elapsed"):
            table.add_column(column, justify="left" if column == "job" else "right", no_wrap=True)
        table.add_column("report", overflow="fold")
        for result in self.result.results:
            table.add_row(*steps.table_row(result, self.options.state_dir))
        self.console.rule()
        self.console.print(table)
        events = ", ".join(f"{n} {name}" for name, n in sorted(self.result.events.items()))
        self._say(f"webhook events received and verified: {events or 'none'}")
        self._say(
            "Failed records are expected: the workload carries junk phones, bad emails, unknown "
            "ids and null-like CRM cells on purpose. See each run's failed.csv and report."
        )
        self._say(f"every run: cxo runs list --state-dir {self.options.state_dir}")
        self._say(f"demo finished in {self.result.elapsed_s:.0f}s")
        for problem in self.result.problems:
            self._say(f"not as designed: {problem}", "red")


def _phones(listed: Path) -> Iterator[str]:
    return (phone for phone, in read_columns(listed, 1))


def _shown(args: Sequence[str], folder: Path | None) -> list[str]:
    """The arguments as an operator in the session folder would type them."""
    if folder is None:
        return list(args)
    return [a[len(str(folder)) + 1 :] if a.startswith(f"{folder}/") else a for a in args]


def _read_summary(run_dir: Path) -> dict[str, object]:
    import json

    path = run_dir / "summary.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def run_demo(options: DemoOptions, invoke: Invoke, console: Console | None = None) -> DemoResult:
    """Run the whole demo; see the module docstring."""
    return Demo(options, invoke, console or Console()).run()
