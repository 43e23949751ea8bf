"""Artwork checks: what Apple Podcasts accepts (1400-3000 px square, RGB, JPEG or PNG named for its bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from pipeline.model.errors import InputError

MIN_PX, MAX_PX = 1400, 3000
FORMATS = {"JPEG": ("image/jpeg", (".jpg", ".jpeg")), "PNG": ("image/png", (".png",))}


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    format: str  # JPEG | PNG
    mime: str
    width: int
    height: int
    mode: str


def inspect_image(path: Path) -> ImageInfo:
    if not path.is_file():
        raise InputError("file not found", str(path))
    try:
        with Image.open(path) as im:
            fmt, (w, h), mode = im.format, im.size, im.mode
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
