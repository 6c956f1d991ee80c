"""Decode text files without being told their encoding.

Order of evidence: a byte-order mark (UTF-8, UTF-16 LE/BE); the NUL pattern of UTF-16
without a mark; strict UTF-8; cp1252 (the encoding of the official SFIA 9 CSV) when every
byte is defined in it and the result has no C1 control characters. Anything else is an
``InputError``: guessing further would silently corrupt Arabic or Polish text.
"""

from __future__ import annotations

import codecs
import re

from pipeline.errors import InputError

_C1 = re.compile("[\x80-\x9f]")


def decode(data: bytes, where: str) -> tuple[str, str]:
    """Return (text, encoding name)."""
    if not data.strip():
        raise InputError(where, "file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", where), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _strict(data, "utf-16", where), "utf-16"
    sample = data[:4096]
    if len(sample) >= 4 and b"\x00" in sample:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return _strict(data, "utf-16-le", where), "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return _strict(data, "utf-16-be", where), "utf-16-be"
        raise InputError(where, "binary data (NUL bytes) in a text file; cannot detect its encoding")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as e:
        raise InputError(where, f"cannot detect the encoding: neither UTF-8, UTF-16 nor cp1252 (byte 0x{data[e.start]:02x} at offset "
                                f"{e.start}); save the file as UTF-8") from None
    if _C1.search(text):
        raise InputError(where, "cannot detect the encoding (not UTF-8; cp1252 gives control characters); "
                                "save the file as UTF-8")
    return text, "cp1252"


def _strict(data: bytes, enc: str, where: str) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as e:
        raise InputError(where, f"invalid {enc} at byte offset {e.start}") from None
    return text.lstrip("\ufeff")


def read_text(path, where: str | None = None) -> tuple[str, str]:
    where = where or str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(where, f"cannot read file: {e.strerror or e}") from None
    return decode(data, where)
