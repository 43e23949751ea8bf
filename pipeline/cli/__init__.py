"""``publish``: the command line, Click only. Commands parse options, call the app layer, print; nothing in
the package imports this room.

- ``main``: the group and the entry point (our errors to one line and an exit code, stop signals)
- ``types``: parameter types, checked while the options are parsed
- ``output``: progress, the ``--json`` shapes, the lines and table a person reads
- ``context``: what the group hands every command (the project folder)
- ``commands/``: one module per command, registered in ``commands/__init__.py``
"""

from pipeline.cli.main import cli, main

__all__ = ["cli", "main"]
