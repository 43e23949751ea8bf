"""Publishing pipeline for podcast episodes and seminar recordings."""

__version__ = "0.1.0"
