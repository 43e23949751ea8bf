"""Inputs: what producers hand in beside a recording (chapters, transcripts, captions, slides, images, notes),
read and checked before anything is made or uploaded.

May import ``pipeline.model`` only.
"""
