"""What differs between Node versions for resolution: default conditions and the builtin modules."""

from __future__ import annotations

from dataclasses import dataclass

from graphkit.model.urls import NODE20_FILE_URL_CHARS, path_to_url

__all__ = ["NODE18", "NODE20", "NodeProfile"]


@dataclass(frozen=True, slots=True)
class NodeProfile:
    """One Node release line: its default ESM and CommonJS conditions and its builtin module names."""

    esm_conditions: frozenset[str]
    cjs_conditions: frozenset[str]
    builtins: frozenset[str]  # importable as NAME and as node:NAME
    scheme_only: frozenset[str]  # importable only as node:NAME
    file_url_chars: str  # what url.pathToFileURL encodes beyond the URL path set

    def url(self, path: str) -> str:
        """``url.pathToFileURL(path).href`` as this Node line writes it."""
        return path_to_url(path, self.file_url_chars)

    def builtin(self, specifier: str) -> str | None:
        """The ``node:NAME`` URL of a builtin specifier as ``require`` accepts it, else None."""
        if specifier in self.builtins:
            return "node:" + specifier
        if specifier.startswith("node:"):
            name = specifier[5:]
            if name in self.builtins or name in self.scheme_only:
                return specifier
        return None


# Node 20.20.2, as ``getDefaultConditions()``, ``getCjsConditions()`` and ``module.builtinModules`` report
# it: require(esm) arrived in 20.19, and with it the "module-sync" condition for both loaders.
NODE20 = NodeProfile(
    esm_conditions=frozenset({"node", "import", "module-sync", "node-addons"}),
    cjs_conditions=frozenset({"node", "require", "module-sync", "node-addons"}),
    builtins=frozenset(
        (
            "_http_agent",
            "_http_client",
            "_http_common",
            "_http_incoming",
            "_http_outgoing",
            "_http_server",
            "_stream_duplex",
            "_stream_passthrough",
            "_stream_readable",
            "_stream_transform",
            "_stream_wrap",
            "_stream_writable",
            "_tls_common",
            "_tls_wrap",
            "assert",
            "assert/strict",
            "async_hooks",
            "buffer",
            "child_process",
            "cluster",
            "console",
            "constants",
            "crypto",
            "dgram",
            "diagnostics_channel",
            "dns",
            "dns/promises",
            "domain",
            "events",
            "fs",
            "fs/promises",
            "http",
            "http2",
            "https",
            "inspector",
            "inspector/promises",
            "module",
            "net",
            "os",
            "path",
            "path/posix",
            "path/win32",
            "perf_hooks",
            "process",
            "punycode",
            "querystring",
            "readline",
            "readline/promises",
            "repl",
            "stream",
            "stream/consumers",
            "stream/promises",
            "stream/web",
            "string_decoder",
            "sys",
            "timers",
            "timers/promises",
            "tls",
            "trace_events",
            "tty",
            "url",
            "util",
            "util/types",
            "v8",
            "vm",
            "wasi",
            "worker_threads",
            "zlib",
        )
    ),
    scheme_only=frozenset({"sea", "test", "test/reporters"}),
    file_url_chars=NODE20_FILE_URL_CHARS,
)

# Node 18.20: no require(esm), so no "module-sync"; no node:sea nor inspector/promises; pathToFileURL
# leaves "~", "|", brackets and "^" as they are.
NODE18 = NodeProfile(
    esm_conditions=frozenset({"node", "import", "node-addons"}),
    cjs_conditions=frozenset({"node", "require", "node-addons"}),
    builtins=NODE20.builtins - {"inspector/promises"},
    scheme_only=frozenset({"test", "test/reporters"}),
    file_url_chars="%\\",
)
