"""pylivy (PyPI `livy` 0.8.0, unmodified) against a real livyd running local Spark.

What pylivy 0.8.0 depends on, read from its source (livy/client.py, models.py,
session.py in the venv):

- GET /version: `version` must match r"(\\d+)\\.(\\d+)\\.(\\d+)(\\S*)$"; below 0.5.0 it
  refuses `sql` and `shared` sessions. Called before every session create and before
  a statement with an explicit kind.
- POST /sessions: body {"kind": <canonical kind>} plus, only when given,
  "heartbeatTimeoutInSecond", "proxyUser", "jars", "pyFiles", "files",
  "driverMemory", "driverCores", "executorMemory", "executorCores", "numExecutors",
  "archives", "queue", "name", "conf" (conf values may be any JSON scalar).
  Reads `id`, `proxyUser` (must be present), `kind` (SessionKind enum: canonical
  names only), `state` (SessionState enum: Livy's names only).
- GET /sessions/{id}: the same fields; a 404 means "gone" (get_session -> None).
  LivySession.wait() polls it while the state is not_started/starting.
- GET /sessions: `sessions` (list of the above).
- DELETE /sessions/{id}: raise_for_status(), then response.json(): the body must be JSON.
- POST /sessions/{id}/statements: body {"code"} (and "kind" only when the caller
  passes one). Reads `id`, `state` (StatementState enum), `code`, `output` (null or
  an object), `progress` (optional).
- GET /sessions/{id}/statements/{sid}: polled while the state is waiting/running,
  or available with output null; a final statement with output null then raises.
- GET /sessions/{id}/statements: `statements`.
- Output: `status` ("ok"/"error"), `data["text/plain"]`, `data["application/json"]`,
  `ename`, `evalue`, `traceback`. SQL results are read as
  application/json {"schema": {"fields": [{"name"}...]}, "data": [[...]]}.
- Any other status than 2xx raises requests.HTTPError (raise_for_status).

pylivy's session module imports pandas at import time, so pandas is a test
requirement; download()/read()/download_sql()/upload() return or take pandas frames.
"""
from __future__ import annotations

import pandas
import pytest
import requests
from livy import LivySession, SessionKind, SessionState, SparkRuntimeError
from livy.client import LivyClient
from livy.models import StatementState

from livyd_testlib import new_marker

START_TIMEOUT = 120.0


@pytest.fixture(scope="module", autouse=True)
def sql_session(livyd):
    """A pylivy SQL session, created (not waited for) before the first test so that its
    Spark driver starts while the pyspark one does. Closed at the end if still there."""
    name = new_marker("pylivy-sql")
    livyd.markers.append(name)
    session = LivySession.create(livyd.base_url, kind=SessionKind.SQL, name=name, echo=False)
    yield session
    if session.client.get_session(session.session_id) is not None:
        session.close()


def test_pyspark_session_end_to_end(livyd, capsys):
    name = new_marker("pylivy")
    livyd.markers.append(name)
    with LivySession.create(livyd.base_url, kind=SessionKind.PYSPARK, name=name) as s:
        assert s.state == SessionState.IDLE
        s.run("x = 1 + 1")
        out = s.run("print(x)")
        assert out.text == "2", out
        assert "2" in capsys.readouterr().out, "pylivy echoes the statement's text output"
        s.run("spark.range(5).createOrReplaceTempView('t')")
        out = s.run("spark.sql('SELECT COUNT(*) AS c FROM t').collect()[0].c")
        assert out.text == "5", out

        # Errors in user code: statement `available`, output status error -> SparkRuntimeError.
        with pytest.raises(SparkRuntimeError) as err:
            s.run("1 / 0")
        assert err.value.ename == "ZeroDivisionError", repr(err.value)
        assert "division" in (err.value.evalue or ""), repr(err.value)
        assert isinstance(err.value.traceback, list)
        assert s.run("x * 21").text == "42", "the session must keep working after an error"

        # DataFrames both ways (JSON rows printed to text/plain, read into pandas).
        s.run("df = spark.range(4).selectExpr('id', 'id * 2 AS twice', \"concat('r', id) AS label\")")
        frame = s.download("df")
        assert list(frame.columns) == ["id", "twice", "label"], frame
        assert frame["twice"].tolist() == [0, 2, 4, 6] and frame["label"].tolist() == ["r0", "r1", "r2", "r3"]
        with pytest.deprecated_call():
            again = s.read("df")
        assert again.equals(frame)
        s.upload("uploaded", pandas.DataFrame({"k": ["a", "b", "c"], "v": [1, 2, 3]}))
        assert s.run("uploaded.groupBy().sum('v').collect()[0][0]").text == "6"

        # Statements as pylivy's lower-level client sees them.
        statements = s.client.list_statements(s.session_id)
        assert [st.statement_id for st in statements] == list(range(len(statements)))
        assert all(st.state == StatementState.AVAILABLE for st in statements), statements
        assert statements[0].code == "x = 1 + 1"
        listed = {sess.session_id: sess for sess in s.client.list_sessions()}
        assert listed[s.session_id].kind == SessionKind.PYSPARK
        session_id = s.session_id
    # __exit__ DELETEs the session; pylivy then sees it as gone.
    client = LivyClient(livyd.base_url)
    try:
        assert client.get_session(session_id) is None
    finally:
        client.close()


def test_sql_session(livyd, sql_session):
    with sql_session as s:
        assert s.client.get_session(s.session_id).kind == SessionKind.SQL
        out = s.run("SELECT 1 AS a, 'x' AS b")
        assert out.json is not None, out
        assert [f["name"] for f in out.json["schema"]["fields"]] == ["a", "b"]
        assert out.json["data"] == [[1, "x"]]
        frame = s.download_sql("SELECT id, id * id AS sq FROM range(3)")
        assert list(frame.columns) == ["id", "sq"] and frame["sq"].tolist() == [0, 1, 4], frame
        with pytest.deprecated_call():
            again = s.read_sql("SELECT id, id * id AS sq FROM range(3)")
        assert again.equals(frame)
        s.run("CREATE OR REPLACE TEMP VIEW pylivy_v AS SELECT 41 AS n")
        assert s.download_sql("SELECT n + 1 AS m FROM pylivy_v")["m"].tolist() == [42]
        with pytest.raises(SparkRuntimeError) as err:
            s.run("SELECT * FROM pylivy_no_such_table")
        assert "AnalysisException" in (err.value.ename or ""), repr(err.value)


def test_create_with_numeric_spark_conf(livyd):
    """pylivy sends spark_conf values as given (Dict[str, Any]); Livy's JSON layer reads
    any scalar into a string property, so numbers of both kinds must be accepted."""
    name = new_marker("pylivy-conf")
    livyd.markers.append(name)
    client = LivyClient(livyd.base_url)
    try:
        conf = {"spark.sql.shuffle.partitions": 3, "spark.memory.fraction": 0.5, "spark.sql.ansi.enabled": True}
        try:
            session = client.create_session(SessionKind.PYSPARK, name=name, spark_conf=conf)
        except requests.HTTPError as e:
            pytest.fail(f"POST /sessions with conf {conf} answered {e.response.status_code}: {e.response.text}")
        try:
            assert session.state == SessionState.STARTING
            conf = livyd.session(session.session_id)["conf"]
            assert conf["spark.sql.shuffle.partitions"] == "3", conf
            assert conf["spark.memory.fraction"] == "0.5", conf
            assert conf["spark.sql.ansi.enabled"] == "true", conf
        finally:
            client.delete_session(session.session_id)
    finally:
        client.close()


def test_unknown_session_is_a_404_for_pylivy(livyd):
    client = LivyClient(livyd.base_url)
    try:
        assert client.get_session(987654) is None
        with pytest.raises(requests.HTTPError) as err:
            client.create_statement(987654, "1 + 1")
        assert err.value.response.status_code == 404
    finally:
        client.close()
