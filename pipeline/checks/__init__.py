"""`publish check`: proof that a feed is one every podcast app accepts, before listeners see it.

``feed`` the rules, by namespace, over the feed's bytes; ``targets`` the URLs a feed names; ``store`` the feed
against the store, and the whole check of what is published; ``online`` every URL fetched from its public
address. May import ``model``, ``inputs`` and ``render`` (for the namespaces and limits).
"""
