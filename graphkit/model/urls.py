"""The part of the WHATWG URL parser that Node's resolver touches, on plain strings.

Node resolves specifiers with ``new URL(specifier, parentURL)``: backslashes become slashes, ``.`` and
``..`` segments (also spelled ``%2e``) are removed, and characters outside the path set are percent-encoded.
Only ``file:`` URLs are parsed here; other schemes are recognised and passed through.
"""

from __future__ import annotations

import os
import posixpath
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote_to_bytes

from graphkit.errors import InputError

__all__ = [
    "NODE20_FILE_URL_CHARS",
    "file_system_path",
    "file_url_path",
    "in_node_modules",
    "join_file_url",
    "local_path",
    "other_url",
    "package_name",
    "parse_file_url",
    "path_end",
    "path_to_url",
    "scheme_of",
    "url_path",
    "url_to_path",
]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SPECIAL = frozenset({"http:", "https:", "ws:", "wss:", "ftp:"})
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")  # decodeURIComponent throws on these
_C0_SPACE = "".join(chr(c) for c in range(0x21))

# Characters each component keeps as written; everything else is percent-encoded as UTF-8.
_PRINTABLE = frozenset(chr(c) for c in range(0x21, 0x7F))
_PATH_KEEP = _PRINTABLE - set('"#<>?`{}')
_QUERY_KEEP = _PRINTABLE - set("\"#<>'")
_FRAGMENT_KEEP = _PRINTABLE - set('"<>`')
# What url.pathToFileURL encodes beyond the URL path set (Node 20; Node 18 only "%" and "\\").
NODE20_FILE_URL_CHARS = "%[\\]^|~"


@cache
def _encoder(keep: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[^" + "".join(re.escape(c) for c in sorted(keep)) + "]")


@cache
def _file_encoder(encodes: str) -> re.Pattern[str]:
    return _encoder(_PATH_KEEP - frozenset(encodes))


_PATH_ENCODE = _encoder(_PATH_KEEP)
_QUERY_ENCODE = _encoder(_QUERY_KEEP)
_FRAGMENT_ENCODE = _encoder(_FRAGMENT_KEEP)


def _percent(match: re.Match[str]) -> str:
    text = match.group()
    try:
        # A file name that is not UTF-8 holds its bytes as surrogate escapes (os.fsdecode): Node's URL
        # for the file percent-encodes those bytes (bad%FF%FE).
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate written as such
        raw = text.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in raw)


def path_to_url(path: Path | str, encodes: str = NODE20_FILE_URL_CHARS) -> str:
    """Exactly ``url.pathToFileURL(path).href`` of Node 20 on POSIX (``encodes`` matches other versions)."""
    encoder = _file_encoder(encodes)
    text = os.fspath(path)
    if text.startswith("/") and "/." not in text and "//" not in text:
        return "file://" + encoder.sub(_percent, text)  # already absolute and normal: the hot path
    resolved = posixpath.normpath(posixpath.join(os.getcwd(), text))
    if resolved.startswith("//"):
        resolved = "/" + resolved.lstrip("/")
    if text.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    return "file://" + encoder.sub(_percent, resolved)


def file_url_path(url: str) -> str | None:
    """The file path of a ``file:`` URL (query and fragment dropped), or None when it names none.

    None for a host other than empty, an encoded ``/`` or bytes that are not UTF-8, as ``fileURLToPath``
    refuses them.
    """
    if not url.startswith("file://"):
        return None
    slash = url.find("/", 7)
    if slash != 7:
        return None
    pathname = url[slash : path_end(url, slash)]
    if "%" not in pathname:
        return pathname
    if "%2f" in pathname.lower() or _BAD_PERCENT.search(pathname):
        return None
    try:
        return unquote_to_bytes(pathname).decode("utf-8")
    except UnicodeDecodeError:
        return None


def path_end(url: str, start: int) -> int:
    """Where the path that starts at ``start`` ends: at the query or fragment, else at the end."""
    end = len(url)
    for mark in "?#":
        found = url.find(mark, start)
        if found != -1:
            end = min(end, found)
    return end


def file_system_path(url: str) -> str | None:
    """The file a ``file:`` URL names on this file system: ``file_url_path``, and also for percent-encoded
    bytes that are not UTF-8, which Node refuses to load but which name a file that is there (the name
    ``os.fsdecode`` gives them)."""
    path = file_url_path(url)
    if path is not None or not url.startswith("file:///"):
        return path
    pathname = url[7 : path_end(url, 7)]
    if "%2f" in pathname.lower() or _BAD_PERCENT.search(pathname):
        return None
    return os.fsdecode(unquote_to_bytes(pathname))


def local_path(url: str) -> str:
    """``url.fileURLToPath(url)`` as a string; InputError for a URL that names no local file."""
    path = file_url_path(url)
    if path is None:
        raise InputError(f"{url}: not a file: URL with an empty host and a decodable path")
    return path


def url_to_path(url: str) -> Path:
    """``url.fileURLToPath(url)``: a file path from a ``file:`` URL; InputError for anything else."""
    return Path(local_path(url))


def scheme_of(specifier: str) -> str | None:
    """The lower-cased scheme (with its colon) when ``new URL(specifier)`` would parse it absolutely."""
    match = _SCHEME.match(specifier.strip(_C0_SPACE))
    return match.group().lower() if match else None


def other_url(specifier: str) -> str:
    """The href of a URL that is not ``file:``: the scheme, and a special scheme's host, lower-cased.

    Node resolves such URLs to themselves (loading them fails later); only this much of the WHATWG
    normalisation is done.
    """
    text = _TAB_NEWLINE.sub("", specifier.strip(_C0_SPACE))
    colon = text.index(":") + 1
    scheme, rest = text[:colon].lower(), text[colon:]
    if scheme in _SPECIAL and rest.startswith("//"):
        end = len(rest)
        for mark in "/?#":
            found = rest.find(mark, 2)
            if found != -1:
                end = min(end, found)
        rest = rest[:end].lower() + (rest[end:] if rest[end:].startswith("/") else "/" + rest[end:])
    return scheme + rest


def _split(text: str) -> tuple[str, str | None, str | None]:
    """Path, query, fragment of a URL tail, with tabs and newlines already removed."""
    fragment = None
    hash_at = text.find("#")
    if hash_at != -1:
        text, fragment = text[:hash_at], text[hash_at + 1 :]
    query = None
    query_at = text.find("?")
    if query_at != -1:
        text, query = text[:query_at], text[query_at + 1 :]
    return text.replace("\\", "/"), query, fragment


def _dots(segment: str) -> int:
    """1 for a single-dot segment, 2 for a double-dot one, 0 otherwise (``%2e`` counts as a dot)."""
    if len(segment) > 6 or ("." not in segment and "%" not in segment):
        return 0
    lowered = segment.lower().replace("%2e", ".")
    return len(lowered) if lowered in (".", "..") else 0


def _build(host: str, out: list[str], segments: list[str], query: str | None, fragment: str | None) -> str:
    """The href of ``segments`` (raw) appended to ``out`` (already normal and encoded), dots applied."""
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        dots = _dots(segment)
        if dots == 2 and out:
            out.pop()
        if dots:
            if index == last:
                out.append("")
            continue
        out.append(_PATH_ENCODE.sub(_percent, segment))
    href = "file://" + host + "/" + "/".join(out)
    if query is not None:
        href += "?" + _QUERY_ENCODE.sub(_percent, query)
    if fragment is not None:
        href += "#" + _FRAGMENT_ENCODE.sub(_percent, fragment)
    return href


def _host_and_path(path: str) -> tuple[str, str]:
    """Split ``//host/path`` (what follows ``file:``) into its host, ``localhost`` counting as empty."""
    end = path.find("/", 2)
    host, rest = (path[2:], "") if end == -1 else (path[2:end], path[end:])
    host = host.lower()
    return ("" if host == "localhost" else host), rest


def parse_file_url(url: str) -> str:
    """The href of an absolute ``file:`` URL, as ``new URL(url).href`` writes it."""
    path, query, fragment = _split(_TAB_NEWLINE.sub("", url.strip(_C0_SPACE))[5:])
    host = ""
    if path.startswith("//"):
        host, path = _host_and_path(path)
    return _build(host, [], (path[1:] if path.startswith("/") else path).split("/"), query, fragment)


def join_file_url(ref: str, base: str) -> str:
    """``new URL(ref, base).href`` for a ``file:`` base and a ref that is a relative or absolute path."""
    path, query, fragment = _split(_TAB_NEWLINE.sub("", ref.strip(_C0_SPACE)))
    if path.startswith("//"):
        host, path = _host_and_path(path)
        return _build(host, [], path[1:].split("/") if path else [""], query, fragment)
    slash = base.find("/", 7)
    host = base[7:slash]
    if path.startswith("/"):
        return _build(host, [], path[1:].split("/"), query, fragment)
    folder = base[slash + 1 : path_end(base, slash)].split("/")[:-1]
    return _build(host, folder, path.split("/"), query, fragment)


def url_path(url: str) -> Path | None:
    """The file system path of a ``file:`` URL, None for any other scheme or a URL that names no file."""
    path = file_url_path(url)
    return Path(path) if path is not None else None


_NODE_MODULES = "/node_modules/"


def in_node_modules(path: str) -> bool:
    """Whether a file path (or a ``file:`` URL) lies inside a node_modules folder: what makes a module a
    package's, which graphkit shows and reloads apart from the app's own."""
    return _NODE_MODULES in path


def package_name(url: str) -> str | None:
    """``lodash-es`` for ``file:///x/node_modules/lodash-es/map.js``; scoped names keep their scope."""
    path = file_url_path(url)
    at = path.rfind(_NODE_MODULES) if path is not None else -1
    if path is None or at == -1:
        return None
    rest = [part for part in path[at + len(_NODE_MODULES) :].split("/") if part]
    if not rest:
        return None
    return "/".join(rest[:2]) if rest[0].startswith("@") and len(rest) > 1 else rest[0]
