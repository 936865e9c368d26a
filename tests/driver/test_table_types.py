"""%table's type names, without Spark: lib/drivers/python/livy_driver.py's to_table against
the table of Livy's Python REPL (repl/src/main/resources/fake_shell.py, magic_table_types):
values are looked up by their exact type, anything else is STRING_TYPE with str(value).
The DataFrame case runs on real Spark in test_python_driver.py."""
from __future__ import annotations

import collections
import datetime
import decimal
import importlib.util
import sys

import pytest

from fake_livyd import REPO_ROOT

_DRIVER_DIR = REPO_ROOT / "lib" / "drivers" / "python"
sys.path.insert(0, str(_DRIVER_DIR))  # livy_driver imports livy_scala from its own folder
spec = importlib.util.spec_from_file_location("livy_driver_tables", _DRIVER_DIR / "livy_driver.py")
livy_driver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(livy_driver)


def table(value, max_rows=100):
    return livy_driver.to_table(value, max_rows)


def one_cell(value):
    """The type and JSON value of one cell, as a one-column table of one row shows them."""
    t = table([[value]])
    assert [h["name"] for h in t["headers"]] == ["0"], t
    return t["headers"][0]["type"], t["data"][0][0]


class Row(tuple):
    """Stands in for pyspark.sql.Row: Livy recognises a row by its class name and reads asDict()."""

    def __new__(cls, **fields):
        row = super().__new__(cls, fields.values())
        row._fields = list(fields)
        return row

    def asDict(self):
        return dict(zip(self._fields, self))


@pytest.mark.parametrize("value, expected", [
    (None, ("NULL_TYPE", None)),
    (True, ("BOOLEAN_TYPE", True)),
    (False, ("BOOLEAN_TYPE", False)),
    (7, ("INT_TYPE", 7)),                                    # Livy: INT_TYPE, never BIGINT_TYPE
    (2 ** 40, ("INT_TYPE", 2 ** 40)),
    (1.5, ("DOUBLE_TYPE", 1.5)),
    ("x", ("STRING_TYPE", "x")),
    (datetime.date(2024, 2, 29), ("DATE_TYPE", "2024-02-29")),
    (datetime.datetime(2024, 2, 29, 13, 5, 9), ("TIMESTAMP_TYPE", "2024-02-29 13:05:09")),
    (decimal.Decimal("1.10"), ("DECIMAL_TYPE", "1.10")),
    ([1, 2], ("ARRAY_TYPE", [1, 2])),
    ((1, 2), ("ARRAY_TYPE", [1, 2])),
    ({"k": 1.5}, ("MAP_TYPE", {"k": 1.5})),
    # not in Livy's table: STRING_TYPE and str(value), subclasses included
    (b"ab", ("STRING_TYPE", "b'ab'")),
    ({1, 2}, ("STRING_TYPE", "{1, 2}")),
    (datetime.time(1, 2), ("STRING_TYPE", "01:02:00")),
    (collections.OrderedDict(a=1), ("STRING_TYPE", "OrderedDict({'a': 1})"
                                    if sys.version_info >= (3, 12) else "OrderedDict([('a', 1)])")),
])
def test_each_type_as_livy_names_it(value, expected):
    assert one_cell(value) == expected


def test_non_finite_floats_stay_json():
    assert one_cell(float("nan")) == ("DOUBLE_TYPE", "nan")
    assert one_cell(float("inf")) == ("DOUBLE_TYPE", "inf")


def test_nested_values_convert_inside():
    assert one_cell([datetime.date(2024, 1, 2)]) == ("ARRAY_TYPE", ["2024-01-02"])
    assert one_cell({1: decimal.Decimal("2")}) == ("MAP_TYPE", {"1": "2"})
    with pytest.raises(livy_driver.TableError, match="inconsistent types"):
        one_cell([1, "x"])
    with pytest.raises(livy_driver.TableError, match="inconsistent types"):
        one_cell({"a": 1, "b": "x"})


def test_dict_and_row_columns_are_sorted_by_name():
    t = table([{"name": "a", "n": 1, "w": 0.5}, Row(name="b", n=2, w=1.5)])
    assert t == {"headers": [{"name": "n", "type": "INT_TYPE"}, {"name": "name", "type": "STRING_TYPE"},
                             {"name": "w", "type": "DOUBLE_TYPE"}],
                 "data": [[1, "a", 0.5], [2, "b", 1.5]]}


def test_tuple_columns_keep_their_positions():
    t = table([tuple(range(12))])
    assert [h["name"] for h in t["headers"]] == [str(i) for i in range(12)]
    assert {h["type"] for h in t["headers"]} == {"INT_TYPE"}


def test_a_null_column_takes_the_first_type_that_follows():
    t = table([{"a": None}, {"a": 3}, {"a": None}])
    assert t == {"headers": [{"name": "a", "type": "INT_TYPE"}], "data": [[None], [3], [None]]}
    assert table([{"a": None}])["headers"] == [{"name": "a", "type": "NULL_TYPE"}]


def test_a_value_that_is_not_a_list_is_one_row():
    assert table(5) == {"headers": [{"name": "0", "type": "INT_TYPE"}], "data": [[5]]}
    assert table({"b": "y", "a": True}) == {
        "headers": [{"name": "a", "type": "BOOLEAN_TYPE"}, {"name": "b", "type": "STRING_TYPE"}],
        "data": [[True, "y"]]}
    assert table(["x", "y"]) == {"headers": [{"name": "0", "type": "STRING_TYPE"}], "data": [["x"], ["y"]]}


def test_rows_of_different_types_are_an_error():
    with pytest.raises(livy_driver.TableError) as e:
        table([{"a": 1}, {"a": "x"}])
    assert (e.value.ename, str(e.value)) == ("Exception", "table rows have different types")
    with pytest.raises(livy_driver.TableError) as e:
        table([{"a": 1}, (1, 2)])
    assert e.value.ename == "TypeError"
