"""sparkmagic (PyPI `sparkmagic` 0.23.0, unmodified) against a real livyd running local Spark.

sparkmagic is how Jupyter users reach Livy: its kernels and `%%spark` magics call
`SparkController`, which drives `LivySession`, `Command`, `SQLQuery` and the
send/store commands over Livy's REST API. These tests call that same layer, as
the magics do, without a notebook.

What sparkmagic 0.23.0 depends on, read from its source (sparkmagic/livyclientlib/
in the venv):

- POST /sessions with {"kind", "heartbeatTimeoutInSecond", ...}: 201, reads `id`
  and `state`; then GET /sessions/{id} until `idle` (`starting`, `busy` and the
  like mean "wait"; `error`, `dead`, `killed` fail), reading `appId`, `appInfo`
  (`driverLogUrl`, `sparkUiUrl`) and `log`.
- A heartbeat thread GETs /sessions/{id} every 30 s while the session lives.
- Then it runs the statement `spark` and expects `status: ok`, to pick the
  variable its SQL code uses.
- POST /sessions/{id}/statements {"code"}: 201, reads `id`; GET
  /sessions/{id}/statements/{sid} until `state` is `available` (`waiting` and
  `running` mean "wait"; `cancelled` and `error` fail), then reads `output`:
  `status` `ok` with `data` `text/plain` (or `image/png`, `text/html`,
  `application/json`), or `status` `error` with `evalue` and `traceback`.
- `%%sql` and `-o` run generated Python code (`spark.sql(...).toJSON()...`)
  that prints one JSON object per line; the `text/plain` is split into lines
  and parsed into a pandas frame.
- `%%send_to_spark` runs generated code that rebuilds a value or a pandas
  frame in the session.
- GET /sessions lists `sessions` with their `kind`; DELETE /sessions/{id}.

The package's `__init__` registers its Jupyter server extension, which imports
jupyter_server and the notebook stack. No notebook runs here, so the tests load
`sparkmagic.livyclientlib` without running that `__init__` (see
`_import_livyclientlib`); the client code under test is sparkmagic's own, as
installed. sparkmagic's Kerberos dependency is installed without its GSSAPI
extra, which would need a C build (scripts/requirements-test-nodeps.txt).
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import types

import pandas
import pytest

from livyd_testlib import new_marker


class Display:
    """What sparkmagic's ipython_display receives, kept instead of shown."""

    def __init__(self):
        self.lines: list[str] = []
        self.errors: list[str] = []

    def writeln(self, text):
        self.lines.append(str(text))

    def write(self, text):
        self.lines.append(str(text))

    def html(self, text):
        self.lines.append(str(text))

    def display(self, value):
        self.lines.append(repr(value))

    def send_error(self, text):
        self.errors.append(str(text))


def _import_livyclientlib(conf_dir: str):
    """Imports sparkmagic's client layer with its configuration read from conf_dir.
    The package object is made by hand so that its __init__ (the Jupyter server
    extension) does not run; every module below it is imported normally."""
    os.environ["SPARKMAGIC_CONF_DIR"] = conf_dir
    if "sparkmagic" not in sys.modules:  # (a module of this run may have made it already)
        spec = importlib.util.find_spec("sparkmagic")
        assert spec is not None and spec.submodule_search_locations, "sparkmagic is not installed"
        package = types.ModuleType("sparkmagic")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["sparkmagic"] = package
    return types.SimpleNamespace(
        SparkController=importlib.import_module("sparkmagic.livyclientlib.sparkcontroller").SparkController,
        Endpoint=importlib.import_module("sparkmagic.livyclientlib.endpoint").Endpoint,
        Command=importlib.import_module("sparkmagic.livyclientlib.command").Command,
        SQLQuery=importlib.import_module("sparkmagic.livyclientlib.sqlquery").SQLQuery,
        SparkStoreCommand=importlib.import_module("sparkmagic.livyclientlib.sparkstorecommand").SparkStoreCommand,
        SendStringToSparkCommand=importlib.import_module(
            "sparkmagic.livyclientlib.sendstringtosparkcommand").SendStringToSparkCommand,
        SendPandasDfToSparkCommand=importlib.import_module(
            "sparkmagic.livyclientlib.sendpandasdftosparkcommand").SendPandasDfToSparkCommand,
    )


@pytest.fixture(scope="module")
def sm(tmp_path_factory):
    conf_dir = tmp_path_factory.mktemp("sparkmagic-conf")
    # sparkmagic's defaults, but with room for a Spark JVM to start on a busy CI machine.
    (conf_dir / "config.json").write_text(json.dumps({
        "livy_session_startup_timeout_seconds": 180,
        "wait_for_idle_timeout_seconds": 120,
    }))
    return _import_livyclientlib(str(conf_dir))


@pytest.fixture(scope="module")
def controller(sm, livyd):
    """One pyspark session made as `%spark add` makes it, shared by the tests here."""
    display = Display()
    ctl = sm.SparkController(display)
    name = new_marker("sparkmagic")
    livyd.markers.append(name)
    endpoint = sm.Endpoint(livyd.base_url, None)
    # sparkmagic's default session properties; `name` is livyd's marker for the orphan check.
    ctl.add_session(name, endpoint, False,
                    {"kind": "pyspark", "heartbeatTimeoutInSecond": 60, "name": name, "conf": {}})
    ctl.display, ctl.name, ctl.endpoint = display, name, endpoint
    yield ctl
    if name in ctl.get_client_keys():
        ctl.delete_session_by_name(name)


def test_scala_session_sql_store_and_send(sm, livyd):
    # The `spark` kernel: generated Scala code for %%sql, -o and send_to_spark. Started first,
    # and alone, because its REPL warms up before the session is idle.
    display = Display()
    ctl = sm.SparkController(display)
    name = new_marker("sparkmagic-scala")
    livyd.markers.append(name)
    ctl.add_session(name, sm.Endpoint(livyd.base_url, None), False,
                    {"kind": "spark", "heartbeatTimeoutInSecond": 60, "name": name, "conf": {}})
    try:
        assert "SparkSession available as 'spark'." in display.lines
        ok, out, _ = ctl.run_command(sm.Command("val x = 40\nx + 2"), name)
        assert ok and "Int = 42" in out
        df = ctl.run_sqlquery(sm.SQLQuery("SELECT id, id * 2 AS twice FROM range(3)"), name)
        assert df["twice"].tolist() == [0, 2, 4]
        ctl.run_command(sm.Command('val rows = spark.range(3).selectExpr("id", "id * id AS sq")'), name)
        assert ctl.run_command(sm.SparkStoreCommand("rows"), name)["sq"].tolist() == [0, 1, 4]
        ctl.run_command(sm.SendStringToSparkCommand("local_s", "from the notebook", "remote_s"), name)
        ok, out, _ = ctl.run_command(sm.Command("println(remote_s.toUpperCase)"), name)
        assert ok and "FROM THE NOTEBOOK" in out
        ok, out, _ = ctl.run_command(sm.Command("val broken: Int = \"no\""), name)
        assert ok is False and "type mismatch" in out
    finally:
        ctl.delete_session_by_name(name)


def test_add_session_waits_for_idle_and_finds_spark(controller, livyd):
    # start() ran the statement `spark` and saw `ok`: the SQL code will use `spark`.
    session = controller.get_session_by_name_or_default(controller.name)
    assert session.sql_context_variable_name == "spark"
    assert "SparkSession available as 'spark'." in controller.display.lines
    assert controller.display.errors == []
    assert session.status == "idle"
    assert session.get_app_id().startswith("local-")
    # The heartbeat sparkmagic asked for is what livyd holds.
    assert livyd.get(f"/sessions/{session.id}").json()["state"] == "idle"


def test_run_command_text_errors_and_persistent_variables(sm, controller):
    ok, out, mimetype = controller.run_command(sm.Command("x = 40\nprint(x + 2)"), controller.name)
    assert (ok, out.strip(), mimetype) == (True, "42", "text/plain")
    ok, out, _ = controller.run_command(sm.Command("x * 2"), controller.name)
    assert (ok, out.strip()) == (True, "80")
    ok, out, _ = controller.run_command(sm.Command("1 / 0"), controller.name)
    assert ok is False
    assert "ZeroDivisionError" in out
    # The session is still usable after an error.
    ok, out, _ = controller.run_command(sm.Command("x"), controller.name)
    assert (ok, out.strip()) == (True, "40")


def test_sql_magic_gives_a_pandas_frame(sm, controller):
    controller.run_command(sm.Command(
        "spark.createDataFrame([(1, 'a', 1.5), (2, 'b', None), (3, 'c', 3.25)], 'n INT, s STRING, f DOUBLE')"
        ".createOrReplaceTempView('sm_t')"), controller.name)
    df = controller.run_sqlquery(sm.SQLQuery("SELECT n, s, f FROM sm_t ORDER BY n"), controller.name)
    assert isinstance(df, pandas.DataFrame)
    assert list(df.columns) == ["n", "s", "f"]
    assert df["n"].tolist() == [1, 2, 3]
    assert df["s"].tolist() == ["a", "b", "c"]
    assert df["f"].iloc[0] == 1.5 and df["f"].iloc[2] == 3.25
    # maxrows, as %%sql -n 2 passes it.
    two = controller.run_sqlquery(sm.SQLQuery("SELECT n FROM sm_t ORDER BY n", maxrows=2), controller.name)
    assert two["n"].tolist() == [1, 2]
    # A bad query is the user's error, reported as sparkmagic reports it.
    with pytest.raises(Exception) as raised:
        controller.run_sqlquery(sm.SQLQuery("SELECT nope FROM sm_t"), controller.name)
    assert "nope" in str(raised.value)


def test_store_output_and_send_to_spark(sm, controller):
    # %%spark -o rows: a Spark DataFrame variable comes back as a pandas frame.
    controller.run_command(sm.Command("rows = spark.range(4).selectExpr('id', 'id * id AS sq')"), controller.name)
    rows = controller.run_command(sm.SparkStoreCommand("rows"), controller.name)
    assert rows["sq"].tolist() == [0, 1, 4, 9]
    # %%send_to_spark: a string, and a pandas frame, from the notebook into the session.
    controller.run_command(sm.SendStringToSparkCommand("local_s", "héllo \"livyd\"", "remote_s"), controller.name)
    ok, out, _ = controller.run_command(sm.Command("print(remote_s)"), controller.name)
    assert (ok, out.strip()) == (True, "héllo \"livyd\"")
    frame = pandas.DataFrame({"k": ["a", "b"], "v": [10, 20]})
    controller.run_command(sm.SendPandasDfToSparkCommand("frame", frame, "remote_df", 2500), controller.name)
    ok, out, _ = controller.run_command(sm.Command("print(remote_df.agg({'v': 'sum'}).first()[0])"),
                                        controller.name)
    assert (ok, out.strip()) == (True, "30")


def test_list_and_delete_sessions(sm, controller, livyd):
    session_id = controller.get_session_id_for_client(controller.name)
    infos = controller.get_all_sessions_endpoint_info(controller.endpoint)
    mine = [info for info in infos if info.startswith(f"Session id: {session_id}\t")]
    assert len(mine) == 1 and "Kind: pyspark" in mine[0] and "State: idle" in mine[0]
    controller.delete_session_by_name(controller.name)
    assert controller.name not in controller.get_client_keys()
    # DELETE stops the session and forgets it, as Livy's does.
    gone = livyd.get(f"/sessions/{session_id}")
    assert gone.status_code == 404 and "msg" in gone.json()
