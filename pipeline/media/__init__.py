"""Media: the one process runner (``runner``: every ffmpeg and ffprobe command line and process), probing,
pure parsers of ffmpeg's output, loudness, the audio and video paths, the loudness curves, ID3 tagging.

May import ``pipeline.model`` only; the only room where ffmpeg-python is imported.
"""
