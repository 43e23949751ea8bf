"""``publish batch transcribe|remaster|verify``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.app.batch import TASKS, BatchReporter, BatchResult, Selection, batch as run_batch
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import RichReporter, emit
from pipeline.cli.types import DateType, json_option, speech_options
from pipeline.model.errors import PipelineError


class ItemsReporter(RichReporter, BatchReporter):
    """Stages as lines, and a line each time an item ends: done, running, failed, time left."""

    def items(self, done: int, running: int, failed: int, total: int, eta: float | None) -> None:
        if not self.quiet:
            left = f", about {eta / 60:.0f} min left" if eta is not None and eta >= 60 else (
                f", about {eta:.0f} s left" if eta else "")
            self.console.print(f"  {done + failed}/{total}: {done} done, {running} running, {failed} failed{left}")


def batch_json(result: BatchResult, dry_run: bool) -> dict:
    plan = result.plan
    return {"task": plan.task, "planned": len(plan.jobs), "done": len(result.done), "skipped": len(plan.skipped),
            "failed": [{"item": item, "reason": reason} for item, reason in result.failed],
            "items": [job.label for job in plan.jobs], "estimate_s": round(plan.estimate, 1),
            "times": [{"item": done.label, "seconds": round(done.seconds, 2)} for done in result.done],
            "workers": result.workers, "where": result.where, "uploaded": result.uploaded,
            "seconds": round(result.seconds, 1), "dry_run": dry_run, "warnings": result.warnings}


def print_batch(result: BatchResult, dry_run: bool) -> None:
    plan = result.plan
    minutes = plan.estimate / max(1, result.workers) / 60
    click.echo(f"{plan.task}: {len(plan.jobs)} item(s) planned, {len(plan.skipped)} skipped; about "
               f"{minutes:.0f} min on {result.where} (an estimate)")
    for job in plan.jobs if dry_run else ():
        click.echo(f"  would {plan.task} {job.label}")
    if not dry_run:
        click.echo(f"{len(result.done)} done, {len(result.failed)} failed in {result.seconds:.0f} s")
    for item, reason in result.failed:
        click.echo(f"  failed: {item}: {reason}")


@click.command()
@click.argument("task", type=click.Choice(TASKS))
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show.")
@click.option("--since", type=DateType(), help="Only items dated on or after this day.")
@click.option("--until", type=DateType(), help="Only items dated on or before this day.")
@click.option("--only", "only", multiple=True, metavar="SLUG", help="Only this item, by slug (repeatable).")
@click.option("--cluster", default="local", show_default=True, metavar="local|auto|ray://HOST:PORT",
              help="Where jobs run: a local process pool; auto: the Ray cluster RAY_ADDRESS names, else local; "
                   "or that Ray cluster.")
@click.option("--workers", type=int, help="Jobs at once on the local pool (default: this machine's cores).")
@click.option("--sources", type=click.Path(file_okay=False, path_type=Path),
              help="remaster: a folder of original recordings, found by the name each record gives "
                   "(source.name); used instead of the published media when there.")
@speech_options()
@click.option("--force", is_flag=True, help="verify: check again the items verified before by the same recipe.")
@click.option("--dry-run", is_flag=True, help="Print the plan and the estimate; run nothing.")
@json_option("the plan and what was done")
@pass_project
def batch(project: Project, task, shows, since, until, only, cluster, workers, sources, language, model,
          force, dry_run, as_json):
    """Transcribe, remaster or verify every published item that needs it, one job per item, resumable."""
    reporter = ItemsReporter(quiet=as_json)
    try:
        result = run_batch(project.site(), task, Selection(tuple(shows), since, until, tuple(only)),
                           dry_run=dry_run, cluster=cluster, workers=workers, sources=sources, model=model,
                           language=language, force=force, report=reporter)
    finally:
        reporter.done()
    for warning in result.warnings:
        reporter.warn(warning)
    emit(batch_json(result, dry_run)) if as_json else print_batch(result, dry_run)
    if result.failed:
        raise PipelineError(f"{len(result.failed)} of {len(result.plan.jobs)} item(s) failed; the others are "
                            "done: run the same command again to retry only what is left")
