"""The output contract in code: conform, the docs table, and the rules that write each file."""

import re

import pandas as pd
import pytest

from posart import contract
from workflow import REPO


def test_conform_adds_constants_and_orders_columns():
    frame = pd.DataFrame({"accuracy": [50.0, 75.0], "layer": [0, 1], "threshold": [0.1, 0.2]})
    out = contract.conform("wic", frame, model="m", method="raw")
    assert list(out.columns) == list(contract.FILES["wic"].columns)
    assert out.to_dict("list") == {
        "model": ["m", "m"],
        "layer": [0, 1],
        "method": ["raw", "raw"],
        "threshold": [0.1, 0.2],
        "accuracy": [50.0, 75.0],
    }


def test_conform_refuses_missing_and_unexpected_columns():
    frame = pd.DataFrame({"layer": [0], "accuracy": [1.0], "thresh": [0.1]})
    with pytest.raises(
        ValueError,
        match=r"tasks/wic.csv: the table lacks column\(s\) \['threshold'\] "
        r"and has unexpected \['thresh'\]",
    ):
        contract.conform("wic", frame, model="m", method="raw")


def test_docs_show_the_contract():
    assert contract.markdown() in (REPO / "docs" / "outputs.md").read_text()


def test_every_contract_file_is_the_output_of_a_rule():
    rules = "".join(path.read_text() for path in (REPO / "rules").glob("*.smk"))
    outputs = set(re.findall(r'output:\s*\n\s*(?:report\(\s*)?"([^"]+)"', rules))
    assert {spec.path for spec in contract.FILES.values()} <= outputs
