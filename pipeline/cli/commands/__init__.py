"""One module per command; ``COMMANDS`` is the one list the group registers."""

from pipeline.cli.commands.archive import archive
from pipeline.cli.commands.batch import batch
from pipeline.cli.commands.check import check
from pipeline.cli.commands.episode import episode
from pipeline.cli.commands.feed import feed
from pipeline.cli.commands.init import init
from pipeline.cli.commands.list import list_
from pipeline.cli.commands.retract import retract
from pipeline.cli.commands.seminar import seminar
from pipeline.cli.commands.serve import serve
from pipeline.cli.commands.stats import stats
from pipeline.cli.commands.transcribe import transcribe

COMMANDS = (episode, seminar, transcribe, archive, feed, check, retract, list_, serve, stats, init, batch)
