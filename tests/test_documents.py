"""The JSON documents graphkit prints (graph, plan, reconciliation): one writing style, read back exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphkit.cli import main
from graphkit.errors import InputError
from graphkit.model.codec import graph_from_json, plan_from_dict
from graphkit.planning.files import plan_files
from tests.conftest import FIXTURES, system_node

DEMO = FIXTURES / "demo"


def rows(text: str) -> list[Any]:
    """Every line below the top level must be one whole JSON row (a list item or a mapping entry)."""
    found = []
    for line in text.splitlines():
        if line.startswith("    "):
            row = line.strip().removesuffix(",")
            found.append(json.loads("{" + row + "}" if row.startswith('"') and '": ' in row else row))
    return found


def printed(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> str:
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def test_graph_plan_and_reconcile_documents_are_written_one_row_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = DEMO / "main.mjs"
    documents = [
        printed(capsys, "scan", entry, "--json"),
        printed(capsys, "plan", DEMO / "routes" / "home.mjs", "--json"),
        printed(capsys, "reconcile", entry, "--json", "--node", system_node()),
    ]
    for text in documents:
        doc = json.loads(text)
        assert text.startswith("{\n  ") and text.endswith("\n}\n")
        assert list(doc) == sorted(doc)
        assert rows(text), text  # each document has rows, and each row stands on its own line
    graph, _, reconciliation = (json.loads(text) for text in documents)
    assert graph["version"] == reconciliation["version"] == 1
    assert len(rows(documents[0])) == len(graph["modules"]) + len(graph["edges"]) + len(graph["problems"])
    assert graph_from_json(documents[0]).modules  # read back


def test_a_plan_document_reads_back_as_the_same_plan() -> None:
    made = plan_files([DEMO / "lib" / "format.mjs"], entry=DEMO / "main.mjs").plan
    from graphkit.model.codec import plan_to_json

    assert plan_from_dict(json.loads(plan_to_json(made))) == made


@pytest.mark.parametrize(
    "doc",
    [
        [],  # not an object
        {"status": "in-place"},  # fields missing
        {"status": "sideways", "changed": [], "evict": [], "boundaries": [], "kept": 0, "chains": {}},
        {
            "status": "in-place",
            "changed": [],
            "evict": [],
            "boundaries": [{"url": "x"}],
            "kept": 0,
            "chains": {},
        },
    ],
)
def test_a_malformed_plan_document_is_one_line_naming_its_source(doc: Any) -> None:
    with pytest.raises(InputError) as caught:
        plan_from_dict(doc, source="saved-plan.json")
    assert str(caught.value).startswith("saved-plan.json: not a graphkit plan document")
    assert "\n" not in str(caught.value)
