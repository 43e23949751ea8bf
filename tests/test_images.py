"""Artwork checks (``pipeline.inputs.images``): a decompression bomb is refused from its header, naming its
claimed size, before Pillow opens it; the show's artwork is the configuration's problem."""

from __future__ import annotations

import warnings

import pytest
from PIL import Image

from pipeline.inputs.images import MAX_CLAIMED_PIXELS, check_artwork, check_show_artwork, inspect_image
from pipeline.model.errors import ConfigError, InputError
from test_trust import png_claiming


@pytest.mark.parametrize("size", [40000, 10000])
def test_an_image_claiming_a_huge_size_is_refused_from_its_header(tmp_path, size):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(size, size))
    assert size * size > MAX_CLAIMED_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even Pillow's DecompressionBombWarning
        with pytest.raises(InputError) as e:
            inspect_image(bomb)
    assert e.value.where == str(bomb) and f"{size}x{size} px" in e.value.message


def test_artwork_is_still_read_from_its_header(tmp_path):
    jpg, png = tmp_path / "a.jpg", tmp_path / "a.png"
    Image.new("RGB", (1400, 1400)).save(jpg)
    Image.new("RGBA", (3000, 3000)).save(png)
    assert (check_artwork(jpg).format, check_artwork(jpg).mode) == ("JPEG", "RGB")
    assert (inspect_image(png).format, inspect_image(png).width, inspect_image(png).mode) == ("PNG", 3000, "RGBA")
    gif = tmp_path / "a.gif"
    Image.new("RGB", (1400, 1400)).save(gif)
    with pytest.raises(InputError, match="GIF image"):
        inspect_image(gif)


def test_a_show_artwork_problem_is_a_configuration_error(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(40000, 40000))
    show_file = tmp_path / "endringspodden.toml"
    with pytest.raises(ConfigError) as e:
        check_show_artwork(bomb, show_file)
    (problem,) = e.value.problems
    assert problem.startswith(f"Config value 'artwork' in {show_file}: {bomb}:") and "40000x40000" in problem


def test_an_image_in_memory_is_read_as_its_file_would_be(tmp_path):
    """The feed check reads artwork fetched from the store without writing it to a temporary file."""
    png = tmp_path / "a.png"
    Image.new("RGB", (1400, 1400)).save(png)
    info = inspect_image(tmp_path / "borte" / "a.png", png.read_bytes())
    assert (info.format, info.width, info.mode, info.path.name) == ("PNG", 1400, "RGB", "a.png")
    with pytest.raises(InputError, match="40000x40000"):
        inspect_image(tmp_path / "bomb.png", png_claiming(40000, 40000))
    with pytest.raises(InputError, match="not an image"):
        inspect_image(tmp_path / "x.jpg", b"tekst")
