"""``python -m pipeline.cli``: the same as the ``publish`` command."""

from pipeline.cli import main

main()
