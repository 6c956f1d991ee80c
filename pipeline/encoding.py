"""Decode text files without being told their encoding.

Order of evidence: a byte-order mark (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE); the NUL pattern of UTF-16
without a mark; strict UTF-8; the language's own 8-bit code pages when its data names them (cp1256
for Arabic, cp1250 for Polish and Czech: :func:`_code_page` picks by the language's script), and
cp1252 (the encoding of the official SFIA 9 CSV) only when the
bytes are not UTF-8-like at all (no valid multi-byte UTF-8 sequence outnumbers the invalid
bytes), every byte is defined in cp1252 and the result has no C1 control characters. A file
that is mostly UTF-8 with a damaged byte is refused, naming the line and byte offset: re-decoding
it as cp1252 would silently turn every Polish or Arabic letter into mojibake. Anything else is
an ``InputError`` too. Every text is returned in Unicode normalisation form C, so NFD input
(decomposed "ł", "ó") gives the same segments as NFC.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence

from pipeline.errors import InputError

_C1 = re.compile("[\x80-\x9f]")
# A well-formed multi-byte UTF-8 sequence (RFC 3629), and any byte above ASCII.
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                       rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                       rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_HIGH = re.compile(rb"[\x80-\xff]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def decode(data: bytes, where: str, legacy: Sequence[str] = (), scripts: Sequence[str] = ()) -> tuple[str, str]:
    """Return (text in NFC, encoding name). ``legacy``: the 8-bit code pages a file of this
    language may be in when it is not Unicode (language data: cp1256 for Arabic, cp1250 for
    Polish); ``scripts``: the language's Unicode scripts, which tell them apart from cp1252."""
    text, enc = _decode(data, where, tuple(legacy), tuple(scripts))
    return nfc(text), enc


def _letters_in(text: str, scripts: tuple[str, ...]) -> int:
    """Non-ASCII letters of ``text`` that belong to one of ``scripts`` ('Arabic', 'Latin')."""
    wanted = {s.upper() for s in scripts}
    n = 0
    for ch in set(text):
        if ord(ch) > 127 and ch.isalpha() and unicodedata.name(ch, "").split(" ", 1)[0] in wanted:
            n += text.count(ch)
    return n


def _code_page(data: bytes, where: str, legacy: tuple[str, ...], scripts: tuple[str, ...]) -> tuple[str, str]:
    """A file that is not Unicode: the language's own code pages first, then cp1252; the one whose
    text has the most letters of the language's scripts wins (ties: the earlier). Polish in cp1250
    read as cp1252 turns 'ą', 'ł', 'ż' into '¹', '³', '¿'; Arabic in cp1256 becomes Latin letters."""
    best: tuple[int, str, str] | None = None
    for enc in (*legacy, "cp1252"):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _C1.search(text):
            continue
        score = _letters_in(text, scripts) if scripts else 0
        if best is None or score > best[0]:
            best = (score, text, enc)
    if best is None:
        tried = ", ".join((*legacy, "cp1252"))
        raise InputError(where, f"cannot detect the encoding: neither UTF-8, UTF-16 nor {tried}; "
                                "save the file as UTF-8")
    return best[1], best[2]


def _decode(data: bytes, where: str, legacy: tuple[str, ...] = (), scripts: tuple[str, ...] = ()) -> tuple[str, str]:
    if not data.strip():
        raise InputError(where, "file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", where), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        # before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one
        return _strict(data, "utf-32", where), "utf-32"
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
    except UnicodeDecodeError as e:
        valid = len(_UTF8_SEQ.findall(data))
        invalid = len(_HIGH.findall(data)) - sum(len(m) for m in _UTF8_SEQ.findall(data))
        if valid and valid >= invalid:
            line = data.count(b"\n", 0, e.start) + 1
            col = e.start - (data.rfind(b"\n", 0, e.start) + 1)
            raise InputError(f"{where}:{line}", f"invalid UTF-8 byte 0x{data[e.start]:02x} at byte offset {e.start} "
                                                f"(column {col + 1}): the file is UTF-8 with a damaged byte; "
                                                "repair it and save it as UTF-8") from None
    if legacy:
        return _code_page(data, where, legacy, scripts)
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
        line = data.count(b"\n", 0, e.start) + 1 if enc.startswith("utf-8") else None
        raise InputError(f"{where}:{line}" if line else where,
                         f"invalid {enc} at byte offset {e.start}; repair it and save it as UTF-8") from None
    return text.lstrip("\ufeff")


def read_text(path, where: str | None = None) -> tuple[str, str]:
    where = where or str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(where, f"cannot read file: {e.strerror or e}") from None
    return decode(data, where)
