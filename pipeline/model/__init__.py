"""The model: records (``Item``: an episode or a seminar), the declared site and show configuration, typed
errors, keys and slugs, time in Norway, text rules, atomic files, loudness curves and speech data.

Imports nothing of the package; only the standard library and PyYAML.
"""
