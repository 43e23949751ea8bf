"""What the group hands every command: the project folder (``--root``, or found from the current folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from pipeline.model.config import Site, load_site


@dataclass(frozen=True)
class Project:
    root: Path
    verbose: bool = False
    traceback: bool = False

    def site(self) -> Site:
        """``feeds/site.toml``, read when a command needs it (``publish init`` runs without one)."""
        return load_site(self.root)


pass_project = click.make_pass_decorator(Project)
