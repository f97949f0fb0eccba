"""A sellers or identities file is checked whole before anything is written: a cell a sheet would
run as a formula refuses its row, naming the column and never the value; a header that is not
the format is one reason. The rules of registry.load, with no stack; that a refused file makes
`socialscore sellers|identities import` exit 2 with nothing written or queued is proven on moto
(tests/ops/test_registry.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialscore_ops.registry import SellerRow, load
from socialscore_ops.stack import OpsError

SELLERS = "network,network_user_id,seller_id,team"


def csv_file(path: Path, header: str, *rows: str, excel: bool = False) -> Path:
    """The file as a person saves it; `excel`: with a BOM and CRLF line ends, as Excel does."""
    text = "\r\n".join([header, *rows]) + "\r\n" if excel else "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if excel else "").encode() + text.encode())
    return path


def test_a_cell_a_spreadsheet_would_run_as_a_formula_refuses_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(
        tmp_path / "sellers.csv",
        SELLERS,
        "x,9001,s-ok,-12",  # a negative number is a number in any sheet
        "x,-9002,s-ok2,smb",  # so is a user id of a sign and digits
        "x,9003,=HYPERLINK(1),smb",
        "x,9004,s-x,+1 555 0100",
        "x,9005,@SUM(1),smb",
        "x,9006,s-x,-cmd",
        "x,9007,s-x,\tsmb",
        "x,9008,s-x, =1+1",
    )

    with pytest.raises(OpsError) as refused:
        load(path, SellerRow)

    said = "a spreadsheet would run it as a formula"
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"socialscore: sellers.csv line 4: seller_id: starts with '=': {said}",
        f"socialscore: sellers.csv line 5: team: starts with '+': {said}",
        f"socialscore: sellers.csv line 6: seller_id: starts with '@': {said}",
        f"socialscore: sellers.csv line 7: team: starts with '-': {said}",
        f"socialscore: sellers.csv line 8: team: starts with a tab: {said}",
        f"socialscore: sellers.csv line 9: team: starts with '=': {said}",
    ]
    assert str(refused.value) == "sellers.csv: 6 bad rows of 8: nothing written"
    assert "HYPERLINK" not in err + str(refused.value)  # never the value
    assert "555" not in err + str(refused.value)


@pytest.mark.parametrize(
    ("header", "told"),
    [
        (f"{SELLERS},notes", "unknown column notes"),
        ("network,network_user_id,seller_id", "no team in the header"),
        ("network,network_user_id,seller_id,team,team", "column team twice in the header"),
        (
            "network;network_user_id;seller_id;team",
            "(is it separated by semicolons? save it as CSV)",
        ),
        ("", "empty: its first line names the columns"),
    ],
    ids=["unknown", "missing", "twice", "semicolons", "empty"],
)
def test_a_header_that_is_not_the_format_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, told: str
) -> None:
    path = csv_file(tmp_path / "sellers.csv", header, "x,9001,s-dan,smb")

    with pytest.raises(OpsError) as refused:
        load(path, SellerRow)

    assert capsys.readouterr().err == ""  # the reason is the command's one line
    assert "\n" not in str(refused.value)
    assert told in str(refused.value)
