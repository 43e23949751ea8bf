"""Records to bytes: the feed (``feed`` the core RSS writer, the only feedgen; ``itunes`` and ``podcastns`` one
module per namespace; ``escape`` the escaping they share), the archive pages (``pages``, the only jinja2, with
``templates/`` and ``static/``) and Norwegian formatting (``norwegian``).

May import ``model`` and ``inputs``; no processes, no storage.
"""
