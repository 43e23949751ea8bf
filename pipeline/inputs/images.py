"""Artwork checks: what Apple Podcasts accepts (1400-3000 px square, RGB, JPEG or PNG named for its bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import io
import warnings

from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from pipeline.model.errors import ConfigError, InputError

MIN_PX, MAX_PX = 1400, 3000
# An image whose header claims more pixels than this (four times the largest artwork Apple takes) is refused
# from its header: opening it would be a decompression bomb (Pillow refuses one, but without saying its size).
MAX_CLAIMED_PIXELS = (2 * MAX_PX) ** 2
FORMATS = {"JPEG": ("image/jpeg", (".jpg", ".jpeg")), "PNG": ("image/png", (".png",))}


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    format: str  # JPEG | PNG
    mime: str
    width: int
    height: int
    mode: str


def _header(path: Path, data: bytes | None) -> ImageInfo | None:
    """A PNG's or JPEG's format, size and mode from its header alone (``None`` for anything else): nothing
    is decoded, and Pillow's decompression-bomb check, which names no size, is not reached."""
    for opener in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            with opener(str(path) if data is None else io.BytesIO(data)) as im:
                fmt, (w, h), mode = im.format, im.size, im.mode
        except (SyntaxError, OSError, ValueError):
            continue
        return ImageInfo(path, fmt, FORMATS[fmt][0], w, h, mode)
    return None


def inspect_image(path: Path, data: bytes | None = None) -> ImageInfo:
    """What the file ``path`` is (or ``data``, the bytes of a file named ``path``: an image in the store), from
    its header; refuses a file that is not an image, or claims a size too large to open safely."""
    if data is None and not path.is_file():
        raise InputError("file not found", str(path))
    info = _header(path, data)
    if info is not None:
        if info.width * info.height > MAX_CLAIMED_PIXELS:
            raise InputError(f"its header claims {info.width}x{info.height} px, too large to open (a decompression "
                             f"bomb?); artwork is at most {MAX_PX}x{MAX_PX} px", str(path))
        return info
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path if data is None else io.BytesIO(data)) as im:
                fmt, (w, h), mode = im.format, im.size, im.mode
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"too large to open (a decompression bomb?); artwork is a JPEG or PNG of at most "
                         f"{MAX_PX}x{MAX_PX} px", str(path)) from None
    except (UnidentifiedImageError, OSError):
        raise InputError("not an image (JPEG or PNG expected)", str(path)) from None
    if fmt not in FORMATS:
        raise InputError(f"{fmt} image; artwork must be JPEG or PNG", str(path))
    return ImageInfo(path, fmt, FORMATS[fmt][0], w, h, mode)


def artwork_problems(info: ImageInfo) -> list[str]:
    """Pure: every way ``info`` breaks Apple's artwork rules (empty when it is fine)."""
    problems = []
    if info.width != info.height:
        problems.append(f"not square ({info.width}x{info.height} px)")
    if not MIN_PX <= min(info.width, info.height) or max(info.width, info.height) > MAX_PX:
        problems.append(f"{info.width}x{info.height} px; artwork must be between {MIN_PX} and {MAX_PX} px")
    if info.mode not in ("RGB", "P", "RGBA") or info.mode == "CMYK":
        problems.append(f"colour mode {info.mode}; artwork must be RGB")
    if info.path.suffix.lower() not in FORMATS[info.format][1]:
        problems.append(f"a {info.format} file named {info.path.suffix}")
    return problems


def check_artwork(path: Path) -> ImageInfo:
    info = inspect_image(path)
    problems = artwork_problems(info)
    if problems:
        raise InputError("; ".join(problems), str(path))
    return info


def check_show_artwork(path: Path, show_file: Path) -> ImageInfo:
    """A show's artwork (``artwork`` in its ``feeds/<show>.toml``) held to ``check_artwork``'s rules: a problem
    is the configuration's (exit 3), naming the show file and the artwork."""
    try:
        return check_artwork(path)
    except InputError as e:
        raise ConfigError([f"Config value 'artwork' in {show_file}: {e}"]) from None
