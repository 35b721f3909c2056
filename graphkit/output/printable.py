"""Text from the file system or from source code, made safe to print to a terminal.

A file name or a specifier may hold control characters (ESC starts a terminal escape sequence, OSC can
set the window title or write a link, BEL rings) and bytes that are not UTF-8 (kept by Python as surrogate
escapes). Each is shown as a Python-style escape (``\\x1b``, ``\\xff``), so what is printed is what the
name holds, and a terminal acts on none of it.

>>> printable("a\\x1b]0;pwned\\x07b.mjs"), printable("bad\\udcff.mjs"), printable("ok/é.mjs")
('a\\\\x1b]0;pwned\\\\x07b.mjs', 'bad\\\\xff.mjs', 'ok/é.mjs')
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 controls, DEL, C1 controls, and surrogates (bytes of a name that is not UTF-8, or lone ones).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of one raw byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    return _UNPRINTABLE.sub(_escape, text)
