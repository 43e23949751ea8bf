"""``publish serve``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.context import Project, pass_project
from pipeline.model.config import load_show, show_ids


@click.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--access-log", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append a Combined Log Format line for every request to this file (for `publish stats`); "
                   "it holds listeners' IP addresses.")
@pass_project
def serve(project: Project, port, host, access_log):
    """Serve the local store over HTTP (with byte ranges), so podcast apps and browsers on this machine can use it."""
    from pipeline.store.http import serve as serve_forever

    site = project.site()
    if not site.storage.startswith("file://"):
        raise click.UsageError(f"storage is {site.storage}; `publish serve` serves the local folder only")
    from pipeline.app.overview import index_pages
    from pipeline.store import open_storage

    storage = open_storage(site.storage, site.root)
    root = Path(storage.root)
    root.mkdir(parents=True, exist_ok=True)
    click.echo(f"Serving {root} on http://{host}:{port}/  (Ctrl-C to stop)")
    click.echo(f"  everything published, with players and loudness pictures: http://{host}:{port}/")
    for show_id in show_ids(site):
        click.echo(f"  {show_id}: http://{host}:{port}/{load_show(site, show_id).feed_key}")
    if access_log:
        click.echo(f"  every request is logged, with the listener's address, to {access_log}")
    try:
        serve_forever(root, host, port, fallback=index_pages(site, storage), access_log=access_log)
    except KeyboardInterrupt:
        pass
