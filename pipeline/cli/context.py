"""What the group hands every command: the project folder (``--root``, or found from the current folder)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import click

from pipeline.model.config import Site, load_site


@dataclass(frozen=True)
class Project:
    root: Path
    verbose: bool = False
    traceback: bool = False

    def site(self, *, no_notify: bool = False) -> Site:
        """``feeds/site.toml``, read when a command needs it (``publish init`` runs without one);
        ``no_notify`` (``--no-notify``): no hub or service is told this time."""
        site = load_site(self.root)
        return replace(site, notify=replace(site.notify, send=False)) if no_notify else site


pass_project = click.make_pass_decorator(Project)
