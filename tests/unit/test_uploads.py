"""Logo uploads are judged by their content: whole PNG or JPEG images within the size and dimension
limits pass (re-encoded, without the upload's metadata); everything else is refused with a message."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from partner_portal.csp import uploads
from partner_portal.csp.uploads import LOGO, MAX_BYTES, SIGN_IN_LOGO, UploadRefused, check_logo

from ..csp_factories import image_bytes

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _zip() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("payload.html", HTML)
    return data.getvalue()


def _check(data: bytes, spec=LOGO):
    return check_logo(io.BytesIO(data), spec)


@pytest.mark.parametrize("data, extension", [
    (image_bytes(fmt="PNG"), "png"),
    (image_bytes(fmt="PNG", mode="RGBA"), "png"),
    (image_bytes(fmt="PNG", mode="P", transparency=0), "png"),
    (image_bytes(fmt="JPEG"), "jpg"),
    (image_bytes(fmt="JPEG", progressive=True), "jpg"),
    (image_bytes(fmt="JPEG", mode="CMYK"), "jpg"),
])
def test_whole_png_and_jpeg_images_pass_re_encoded(data, extension):
    image = _check(data)
    assert (image.extension, image.width, image.height) == (extension, 200, 50)
    with Image.open(io.BytesIO(image.data)) as decoded:
        assert decoded.format == {"png": "PNG", "jpg": "JPEG"}[extension] and decoded.size == (200, 50)
    assert image.data_uri.startswith(f"data:{image.mimetype};base64,")


def test_the_largest_logos_pass_and_one_pixel_more_does_not():
    assert _check(image_bytes((480, 120)), SIGN_IN_LOGO).width == 480
    assert _check(image_bytes((340, 80)), LOGO).height == 80
    for size, spec, limit in [((481, 120), SIGN_IN_LOGO, "480 × 120"), ((480, 121), SIGN_IN_LOGO, "480 × 120"),
                              ((341, 80), LOGO, "340 × 80"), ((340, 81), LOGO, "340 × 80")]:
        with pytest.raises(UploadRefused, match=f"at most {limit}"):
            _check(image_bytes(size), spec)


def test_dimensions_are_refused_from_the_header_before_any_pixel_is_decoded(monkeypatch):
    large = image_bytes((4000, 3000), mode="1")
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded an oversized image"))
    with pytest.raises(UploadRefused, match="4000 × 3000 pixels"):
        _check(large)


@pytest.mark.parametrize("size", [(10000, 10000), (20000, 20000)])
def test_decompression_bombs_are_refused(size):
    # 100 and 400 megapixels in a few kilobytes: Pillow's own bomb check speaks first.
    with pytest.raises(UploadRefused, match="far too many pixels"):
        _check(image_bytes(size, mode="1"))


def test_metadata_of_the_upload_is_never_kept():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    png = image_bytes(fmt="PNG", pnginfo=info)
    jpeg = image_bytes(fmt="JPEG", comment=b"<script>alert(1)</script>")
    exif = Image.Exif()
    exif[0x010E] = "<script>alert(1)</script>"
    jpeg_with_exif = image_bytes(fmt="JPEG", exif=exif)
    for data in (png, jpeg, jpeg_with_exif):
        assert b"<script>" in data
        assert b"<script>" not in _check(data).data


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (HTML, "not a PNG or JPEG"),                          # an HTML page named logo.png
    (SVG, "not a PNG or JPEG"),                           # SVG can carry script: never accepted
    (image_bytes(fmt="GIF"), "not a PNG or JPEG"),
    (image_bytes(fmt="WEBP"), "not a PNG or JPEG"),
    (_zip(), "not a PNG or JPEG"),
    (image_bytes(fmt="PNG")[:-30], "damaged or incomplete"),    # truncated before IEND
    (image_bytes(fmt="PNG")[:40], "damaged or incomplete"),     # only the header
    (image_bytes(fmt="JPEG")[:-40], "damaged or incomplete"),   # truncated scan
    (image_bytes(fmt="JPEG")[:3], "damaged or incomplete"),
    (image_bytes(fmt="PNG") + HTML, "other data after the end"),     # PNG + HTML polyglot
    (image_bytes(fmt="PNG") + _zip(), "other data after the end"),   # PNG + zip polyglot
    (image_bytes(fmt="JPEG") + _zip(), "other data after the end"),  # JPEG + zip polyglot
    (image_bytes(fmt="JPEG") + HTML, "other data after the end"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "damaged or incomplete"),   # a signature and nothing sound
])
def test_anything_else_is_refused_with_a_message(data, message):
    with pytest.raises(UploadRefused, match=message):
        _check(data)


def test_corrupt_pixel_data_is_refused():
    data = bytearray(image_bytes(fmt="PNG", size=(200, 50)))
    start = data.index(b"IDAT") + 4
    data[start:start + 20] = b"\xff" * 20  # the chunk stays in place, its zlib stream is garbage
    with pytest.raises(UploadRefused, match="damaged or incomplete"):
        _check(bytes(data))


def test_files_over_2_mb_are_refused_without_reading_further():
    stream = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * MAX_BYTES))
    with pytest.raises(UploadRefused, match="larger than 2 MB"):
        check_logo(stream, LOGO)
    assert stream.tell() == MAX_BYTES + 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_are_always_refused_cleanly(data):
    with pytest.raises(UploadRefused):
        _check(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"\xff\xd8\xff\xe0"]), st.binary(max_size=4096))
def test_random_bytes_behind_an_image_signature_are_refused_cleanly(signature, rest):
    with pytest.raises(UploadRefused):
        _check(signature + rest)


VALID = {"png": image_bytes((60, 20), fmt="PNG"), "jpg": image_bytes((60, 20), fmt="JPEG")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(VALID)), st.data())
def test_damaged_images_are_accepted_whole_or_refused_never_crash(kind, data):
    """Flip, cut or splice bytes of a real image: the result is a clean refusal or a re-encoded image."""
    original = bytearray(VALID[kind])
    position = data.draw(st.integers(0, len(original) - 1))
    change = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    if change == "flip":
        original[position] ^= data.draw(st.integers(1, 255))
    elif change == "cut":
        del original[position:position + data.draw(st.integers(1, 64))]
    else:
        original[position:position] = data.draw(st.binary(min_size=1, max_size=64))
    try:
        image = _check(bytes(original))
    except UploadRefused:
        return
    with Image.open(io.BytesIO(image.data)) as decoded:
        decoded.load()


def test_stored_names_are_random_and_shaped(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    with app.app_context():
        image = _check(image_bytes())
        first, second = uploads.store(image), uploads.store(image)
        assert first != second and uploads.is_stored_name(first) and first.endswith(".png")
        assert (tmp_path / uploads.LOGO_FOLDER / first).read_bytes() == image.data
        assert sorted(p.name for p in (tmp_path / uploads.LOGO_FOLDER).iterdir()) == sorted([first, second])
        uploads.discard(first)
        uploads.discard("../secret_key")  # not a stored name: nothing happens
        assert not (tmp_path / uploads.LOGO_FOLDER / first).exists()


@pytest.mark.parametrize("name", ["../secret_key", "x.png", "0" * 32 + ".svg", "0" * 32 + ".png/../../a", "0" * 31 + ".png"])
def test_only_our_own_names_are_stored_names(name):
    assert not uploads.is_stored_name(name)
