"""The paper tables say how many dims each clipped row zeroed."""

from types import SimpleNamespace

import pandas as pd

from posart import tables


def results(method, counts, model="m_1"):
    return pd.DataFrame(
        {"model": model, "method": method, "layer": range(len(counts)), "n_clipped": counts, "accuracy": 50.0}
    )


def test_clip_note_per_clipped_row():
    frame = pd.concat(
        [
            results("raw", [0, 0, 0]),
            results("clip", [2, 2, 2]),
            results("clip_layers", [3, 1, 0]),
            results("whiten", [0, 0, 0]),
            results("clip", [0, 0, 0], model="other"),
        ]
    )
    note = tables.clip_note(frame, ["clip", "clip_layers"])
    assert note == (
        "Dims clipped: m_1-clip 2 dims in every layer; m_1-clip_layers per layer 0: 3, 1: 1, 2: 0; "
        "other-clip 0 dims in every layer."
    )
    assert tables.clip_note(frame, []) == ""


def test_the_note_goes_under_the_markdown_and_into_the_latex_caption(tmp_path):
    outputs = SimpleNamespace(csv=tmp_path / "t.csv", md=tmp_path / "t.md", tex=tmp_path / "t.tex")
    shown = pd.DataFrame({"model": ["m_1-clip"], "score": ["1.0 (2)"]})
    tables.write(shown, shown, outputs, "Caption.", "Dims clipped: m_1-clip 2 dims in every layer.")
    assert outputs.md.read_text().endswith("\n\nDims clipped: m_1-clip 2 dims in every layer.\n")
    assert r"\caption{Caption. Dims clipped: m\_1-clip 2 dims in every layer.}" in outputs.tex.read_text()
    tables.write(shown, shown, outputs, "Caption.")
    assert "Dims clipped" not in outputs.md.read_text() + outputs.tex.read_text()
