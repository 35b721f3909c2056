"""Every notebook in notebooks/ runs top to bottom in a fresh kernel; its cells assert what they show."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_is_a_notebook_to_run() -> None:
    assert [p.name for p in NOTEBOOKS] == ["explore.ipynb", "zod.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs_and_runs_without_error(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat is untyped
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name}: clear its outputs"
    # "python3" names the kernel spec of this interpreter's environment: jupyter_client starts it with
    # sys.executable, so the kernel imports the graphkit under test.
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on the first failure
    kinds = {kind for c in code for output in c.outputs for kind in output.get("data", {})}
    assert "image/svg+xml" in kinds, f"{path.name}: no drawing was rendered"
