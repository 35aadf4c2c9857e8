"""Execute every notebook in notebooks/ from top to bottom, in its small setting.

Each study notebook reads ``RESERVOIR_NOTEBOOK_SMALL`` in its first (parameters) cell and, when it
is ``"1"``, runs a small version of its study (few systems, units and steps) so that the whole
suite stays fast; without it the notebook runs the full study. A cell that raises fails the test;
so does a cell with an error output, or a notebook that draws no figure.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    # The kernel inherits the environment: figures render to the inline backend (no display is
    # needed) and the notebooks pick their small settings.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("RESERVOIR_NOTEBOOK_SMALL", "1")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [out for cell in code for out in cell.get("outputs", [])]
    errors = [f"{out.ename}: {out.evalue}" for out in outputs if out.output_type == "error"]
    assert not errors, errors
    assert any("image/png" in out.get("data", {}) for out in outputs), "the notebook drew no figure"
    # Study notebooks announce their setting in the parameters cell; the small one must be used.
    first = "".join(out.get("text", "") for out in code[0].get("outputs", []) if out.output_type == "stream")
    if "SMALL=" in first:
        assert "SMALL=True" in first, first
