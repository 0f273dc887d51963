"""Logo uploads: checked by their content before anything is stored, decoded and re-encoded, and kept
under instance/workspace-logos with random names.

A file's name and declared type say nothing: only PNG and JPEG content is read (never SVG, which
can carry script), the file must end where its image ends (a PNG or JPEG with an HTML page or a zip
archive appended is refused), and the stored bytes are Pillow's re-encoding of the pixels, so no
metadata or hidden chunk of the upload is ever served.
"""

from __future__ import annotations

import base64
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image

from ..web.i18n import gettext

MAX_BYTES = 2 * 1024 * 1024
LOGO_FOLDER = "workspace-logos"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOI = b"\xff\xd8"
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg)")
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class LogoSpec:
    """Where a logo shows, and the largest image it takes."""

    max_width: int
    max_height: int


SIGN_IN_LOGO = LogoSpec(max_width=480, max_height=120)
LOGO = LogoSpec(max_width=340, max_height=80)


class UploadRefused(ValueError):
    """A file that can't be a logo; the message is shown next to the file field."""


@dataclass(frozen=True)
class CheckedImage:
    """An accepted logo: its re-encoded bytes and what they are."""

    data: bytes
    extension: str
    width: int
    height: int

    @property
    def mimetype(self) -> str:
        """The content type the bytes are served with."""
        return MIMETYPES[self.extension]

    @property
    def data_uri(self) -> str:
        """The image inline, for a preview that stores nothing."""
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode()}"


def _damaged(kind: str) -> str:
    """The refusal of an image that does not decode (`kind` is PNG or JPEG)."""
    return gettext("This %(kind)s image is damaged or incomplete. Export it again and upload the new file.", kind=kind)


def check_logo(stream: BinaryIO, spec: LogoSpec) -> CheckedImage:
    """Read an uploaded file and return it re-encoded; raises UploadRefused for anything but a whole,
    undamaged PNG or JPEG of at most 2 MB and `spec`'s dimensions."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise UploadRefused(gettext("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UploadRefused(gettext("The file is larger than 2 MB. Use a smaller PNG or JPEG image."))
    if data.startswith(_PNG_SIGNATURE):
        kind, end = "PNG", _png_end(data)
    elif data.startswith(_JPEG_SOI):
        kind, end = "JPEG", _jpeg_end(data)
    else:
        raise UploadRefused(
            gettext(
                "This file is not a PNG or JPEG image, whatever its name says. SVG, GIF and other types are not accepted."
            )
        )
    if end is None:
        raise UploadRefused(_damaged(kind))
    if end != len(data):
        raise UploadRefused(
            gettext(
                "This file holds other data after the end of its %(kind)s image (it may be another file "
                "in disguise). Save the image again from an image editor and upload that file.",
                kind=kind,
            )
        )
    return _reencode(data, kind, spec)


def _reencode(data: bytes, kind: str, spec: LogoSpec) -> CheckedImage:
    """Decode the image (size first, pixels after) and encode it again in the same format."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                width, height = image.size
                # Checked from the header, before a single pixel is decoded.
                if width > spec.max_width or height > spec.max_height:
                    raise UploadRefused(
                        gettext(
                            "This image is %(width)s × %(height)s pixels; this logo takes at most "
                            "%(max_width)s × %(max_height)s.",
                            width=width,
                            height=height,
                            max_width=spec.max_width,
                            max_height=spec.max_height,
                        )
                    )
                image.load()
                out = io.BytesIO()
                # Pillow copies some metadata from the source unless told not to: nothing of the
                # upload but its pixels is kept (no comment, no color profile, no EXIF).
                if kind == "PNG":
                    image.save(out, "PNG", icc_profile=None)
                else:
                    image.save(out, "JPEG", quality="keep", subsampling="keep", comment=b"", icc_profile=None)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(
            gettext(
                "This image has far too many pixels; this logo takes at most %(max_width)s × %(max_height)s.",
                max_width=spec.max_width,
                max_height=spec.max_height,
            )
        ) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types (OSError, ValueError, SyntaxError...) on bad data
        raise UploadRefused(_damaged(kind)) from None
    return CheckedImage(out.getvalue(), "png" if kind == "PNG" else "jpg", width, height)


def _png_end(data: bytes) -> int | None:
    """Offset just past the PNG's IEND chunk, walking chunk by chunk; None when the chunks run out first."""
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        position += 12 + length  # length, type, data, CRC
        if position > len(data):
            return None
        if chunk_type == b"IEND":
            return position
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just past the JPEG's end-of-image marker, walking its segments and scans; None when
    malformed or cut short."""
    size = len(data)
    position = len(_JPEG_SOI)
    while position < size:
        if data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes before a marker
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == 0xD9:
            return position
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            continue
        if position + 2 > size:
            return None
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            return None
        position += length
        if marker == 0xDA:
            position = _scan_end(data, position)
            if position is None:
                return None
    return None


def _scan_end(data: bytes, position: int) -> int | None:
    """Where the entropy-coded data after a start-of-scan ends: at the next marker that is neither a
    stuffed 0xFF00 nor a restart marker."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            return None
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


def logo_folder() -> Path:
    """The folder holding stored logos."""
    return Path(current_app.instance_path) / LOGO_FOLDER


def store(image: CheckedImage) -> str:
    """Write an accepted logo under a new random name (never a name the uploader chose); returns it."""
    folder = logo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{image.extension}"
    partial = folder / f".{name}.part"
    partial.write_bytes(image.data)
    # Renamed into place, so a reader never sees half a file.
    os.replace(partial, folder / name)
    return name


def discard(name: str | None) -> None:
    """Delete a stored logo (nothing when it is gone already or the name is not one of ours)."""
    if name and _STORED_NAME.fullmatch(name):
        (logo_folder() / name).unlink(missing_ok=True)


def is_stored_name(name: str) -> bool:
    """True when `name` has the shape of a stored logo's name (so it can't reach outside the folder)."""
    return _STORED_NAME.fullmatch(name) is not None
