"""`cxo preview plan|apply`: configure a preview campaign without lost updates."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.client.dialect import open_api
from cxone_outbound.config import Settings
from cxone_outbound.jobs.preview.changes import render_diff
from cxone_outbound.jobs.preview.config import (
    PreviewConfigError,
    intent_from_options,
    intent_from_toml,
    merge_intents,
)
from cxone_outbound.jobs.preview.job import (
    DEFAULT_WEBHOOK_NAME,
    CampaignSource,
    PreviewApplyJob,
    WebhookRequest,
)
from cxone_outbound.jobs.preview.run import (
    DEFAULT_MAX_ATTEMPTS,
    PreparedApply,
    PreviewPlan,
    PreviewRequest,
    plan_preview,
    prepare_apply,
)

app = typer.Typer(help="Plan and apply a preview campaign configuration.", no_args_is_help=True)

CampaignOpt = Annotated[str, typer.Option("--campaign", help="The campaign id.")]
ListOpt = Annotated[str, typer.Option("--list", help="The contact list the campaign dials.")]
QueueOpt = Annotated[str, typer.Option("--queue", help="The queue of the agent directive.")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="A TOML preview configuration (flags win).")
]
RegionOpt = Annotated[
    list[str] | None,
    typer.Option("--region", help="Only contacts of this region (repeatable)."),
]
MaxConcurrentOpt = Annotated[
    int | None,
    typer.Option("--max-concurrent", min=1, help="Most active preview campaigns allowed."),
]
NameOpt = Annotated[str | None, typer.Option("--name", help="The campaign's name.")]
MaxAttemptsOpt = Annotated[
    int | None, typer.Option("--max-attempts", min=1, max=10, help="Dialing attempts per contact.")
]
CallbackOpt = Annotated[
    bool | None, typer.Option("--callback/--no-callback", help="Allow callbacks.")
]
SkillOpt = Annotated[str | None, typer.Option("--skill", help="Skill the queue's agents need.")]
AgentCountOpt = Annotated[
    int | None, typer.Option("--agent-count", min=1, help="Agents assigned on the queue.")
]
ModeOpt = Annotated[
    str | None, typer.Option("--dialing-mode", help="Preview dialing mode: manual or timed.")
]
TimeoutOpt = Annotated[
    int | None,
    typer.Option("--preview-timeout", min=5, max=600, help="Seconds before a timed dial."),
]
PromptOpt = Annotated[
    bool | None,
    typer.Option("--agent-prompt/--no-agent-prompt", help="Prompt the agent before dialing."),
]
RegionDefaultOpt = Annotated[
    str,
    typer.Option("--phone-region", help="Region used to read national phone numbers."),
]


def _fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _request(
    *,
    campaign: str,
    list_id: str,
    queue: str,
    config: Path | None,
    regions: list[str] | None,
    max_concurrent: int | None,
    phone_region: str,
    **options: Any,
) -> PreviewRequest:
    try:
        from_file = intent_from_toml(config) if config is not None else {}
        from_flags = intent_from_options(list_id=list_id, queue_id=queue, **options)
    except PreviewConfigError as exc:
        _fail(f"invalid preview configuration:\n{exc}")
    return PreviewRequest(
        campaign_id=campaign,
        intent=merge_intents(from_file, from_flags),
        list_id=list_id,
        regions=tuple(regions or ()),
        max_concurrent=max_concurrent,
        default_region=phone_region,
    )


async def _plan(settings: Settings, request: PreviewRequest) -> PreviewPlan:
    async with open_api(settings) as client:
        return await plan_preview(client, request)


async def _prepare(settings: Settings, request: PreviewRequest) -> PreparedApply:
    async with open_api(settings) as client:
        return await prepare_apply(client, request)


def _not_held(prepared: PreparedApply) -> str:
    return (f"left as they are (this API dialect has no place for them): "
            f"{', '.join(prepared.unheld)}")


def _render_plan(plan: PreviewPlan, console: Console) -> None:
    data = plan.to_json()
    console.print(
        f"campaign {data['campaign_id']} (version {data['version']}, {data['status']})",
        markup=False,
    )
    console.print(render_diff(plan.prepared.changes), markup=False)
    if data["not_held"]:
        console.print(_not_held(plan.prepared), markup=False)
    active = data["active_previews"]
    limit = active["limit"] if active["limit"] is not None else "no limit"
    verdict = "ok" if active["within_limit"] else "LIMIT REACHED"
    console.print(
        f"active preview campaigns (others): {active['active_others']} / {limit}: {verdict}",
        markup=False,
    )
    contacts = data["contacts"]
    if contacts:
        excluded = ", ".join(f"{k} {v}" for k, v in contacts["excluded"].items())
        console.print(
            f"contacts: {contacts['eligible']} eligible of {contacts['total']} "
            f"(excluded: {excluded})",
            markup=False,
        )
        supp = contacts["suppressions"]
        console.print(
            f"suppressions: {supp['active']} active, {supp['expired']} expired (ignored), "
            f"{supp['unreadable']} unreadable",
            markup=False,
        )


@app.command("plan")
def plan(
    ctx: typer.Context,
    campaign: CampaignOpt,
    list_id: ListOpt,
    queue: QueueOpt,
    config: ConfigOpt = None,
    region: RegionOpt = None,
    max_concurrent: MaxConcurrentOpt = None,
    name: NameOpt = None,
    max_attempts: MaxAttemptsOpt = None,
    callback: CallbackOpt = None,
    skill: SkillOpt = None,
    agent_count: AgentCountOpt = None,
    dialing_mode: ModeOpt = None,
    preview_timeout: TimeoutOpt = None,
    agent_prompt: PromptOpt = None,
    phone_region: RegionDefaultOpt = "US",
) -> None:
    """Show the change as a diff, the active preview campaigns, and the eligible contacts."""
    state = runs.cli_state(ctx)
    request = _request(
        campaign=campaign, list_id=list_id, queue=queue, config=config, regions=region,
        max_concurrent=max_concurrent, phone_region=phone_region, name=name,
        max_attempts=max_attempts, callback_enabled=callback, skill=skill,
        agent_count=agent_count, dialing_mode=dialing_mode, preview_timeout=preview_timeout,
        agent_prompt=agent_prompt,
    )
    try:
        result = asyncio.run(_plan(state.settings(), request))
    except PreviewConfigError as exc:
        _fail(f"the configuration that would be sent is invalid:\n{exc}")
    state.output.result(result.to_json(), lambda console: _render_plan(result, console))


@app.command("apply")
def apply(
    ctx: typer.Context,
    campaign: CampaignOpt,
    list_id: ListOpt,
    queue: QueueOpt,
    config: ConfigOpt = None,
    region: RegionOpt = None,
    max_concurrent: MaxConcurrentOpt = None,
    name: NameOpt = None,
    max_attempts: MaxAttemptsOpt = None,
    callback: CallbackOpt = None,
    skill: SkillOpt = None,
    agent_count: AgentCountOpt = None,
    dialing_mode: ModeOpt = None,
    preview_timeout: TimeoutOpt = None,
    agent_prompt: PromptOpt = None,
    phone_region: RegionDefaultOpt = "US",
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite fields another writer changed meanwhile.")
    ] = False,
    retries: Annotated[
        int, typer.Option("--retries", min=1, max=50, help="PUT attempts when 412s keep coming.")
    ] = DEFAULT_MAX_ATTEMPTS,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Upsert a campaign.preview.activated webhook to URL."),
    ] = None,
    webhook_name: Annotated[
        str, typer.Option("--webhook-name", help="Name of that webhook registration.")
    ] = DEFAULT_WEBHOOK_NAME,
    start_skill: Annotated[
        bool,
        typer.Option("--start-skill", help="Admin dialect: after writing, start the campaign's "
                     "skill dialing (POST /skills/{id}/start). Off by default: nothing else "
                     "ever starts a skill."),
    ] = False,
    state_dir: runs.StateDirOpt = None,
    progress: runs.ProgressOpt = "none",
) -> None:
    """Validate, then PUT with If-Match; on 412 re-read, merge our fields, retry.

    Exits 1 on a conflict (another writer changed a field we set) or when the limit is reached.
    """
    state = runs.cli_state(ctx)
    request = _request(
        campaign=campaign, list_id=list_id, queue=queue, config=config, regions=region,
        max_concurrent=max_concurrent, phone_region=phone_region, name=name,
        max_attempts=max_attempts, callback_enabled=callback, skill=skill,
        agent_count=agent_count, dialing_mode=dialing_mode, preview_timeout=preview_timeout,
        agent_prompt=agent_prompt,
    )
    settings = state.settings()
    if start_skill and not capabilities_for(settings.dialect).skill_start:
        _fail(f"--start-skill starts a real tenant's skill (the admin dialect); on "
              f"{settings.dialect} an active campaign dials. Nothing was sent")
    try:
        prepared = asyncio.run(_prepare(settings, request))
    except PreviewConfigError as exc:
        _fail(f"the configuration that would be sent is invalid; nothing was sent:\n{exc}")
    state.output.info(render_diff(prepared.changes))
    if prepared.unheld:
        state.output.info(_not_held(prepared))
    if prepared.active is not None and not prepared.active.within_limit:
        _fail(
            f"{len(prepared.active.others)} preview campaigns are active already "
            f"(--max-concurrent {prepared.active.limit}); nothing was sent",
            ExitCode.FAILED_RECORDS,
        )
    job = PreviewApplyJob(
        prepared,
        force=force,
        max_attempts=retries,
        webhook=WebhookRequest(webhook, webhook_name) if webhook else None,
        start_skill=start_skill,
    )
    runs.execute(
        ctx, job, CampaignSource(prepared), state_dir=state_dir, progress=progress,
        settings=settings,
    )
