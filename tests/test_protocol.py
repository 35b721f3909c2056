"""The probe's JavaScript enums (node_probe/protocol.mjs) equal the Python ones, member for member."""

from __future__ import annotations

import json
import subprocess
from enum import StrEnum
from pathlib import Path

from graphkit.live.probe import PROBE_DIR
from graphkit.model import protocol
from tests.conftest import system_node


def _python_enums() -> dict[str, dict[str, str]]:
    enums = {}
    for name in protocol.__all__:
        cls = getattr(protocol, name)
        assert issubclass(cls, StrEnum), name
        enums[name] = {member.name: member.value for member in cls}
    return enums


def _javascript_enums(node: Path) -> dict[str, dict[str, str]]:
    script = (
        f"const p = await import({json.dumps((PROBE_DIR / 'protocol.mjs').as_uri())});"
        "process.stdout.write(JSON.stringify(p));"
    )
    done = subprocess.run(
        [str(node), "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    loaded: dict[str, dict[str, str]] = json.loads(done.stdout)
    return loaded


def test_every_enum_that_crosses_the_channel_is_the_same_on_both_sides() -> None:
    assert _javascript_enums(system_node()) == _python_enums()


def test_the_javascript_enums_are_frozen() -> None:
    script = (
        f"const p = await import({json.dumps((PROBE_DIR / 'protocol.mjs').as_uri())});"
        "process.stdout.write(String(Object.values(p).every(Object.isFrozen)));"
    )
    done = subprocess.run(
        [str(system_node()), "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    assert done.stdout == "true"
