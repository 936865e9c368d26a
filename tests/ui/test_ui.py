"""livyd's web UI (/ui) in a real browser: headless Chromium driven by Playwright.

One livyd (with 10,000 seeded finished batches), one real pyspark session and one real batch
are shared by the tests (conftest.py). The tests run in this file's order: the session's
statements are run from its page before the XSS test adds hostile ones, and the session is
killed last.
"""
from __future__ import annotations

import base64
import json
import re
import time

import pytest
import requests

from conftest import HOSTILE_NAME, SEEDED, seeded_owner, seeded_state

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
SESSION_START_TIMEOUT = 240


def shot(page, screenshots, name: str, full_page: bool = False):
    """Saves the page as NAME.png in $LIVYD_UI_SCREENSHOTS (docs/ui/) when it is set."""
    if screenshots is None:
        return
    if full_page:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        return
    height = page.evaluate("() => Math.ceil(document.body.getBoundingClientRect().height) + 16")
    viewport = page.viewport_size
    page.screenshot(path=str(screenshots / f"{name}.png"),
                    clip={"x": 0, "y": 0, "width": viewport["width"], "height": min(viewport["height"], height)})


def wait_idle(livyd, session_id):
    livyd.wait_session_state(session_id, {"idle"}, timeout=SESSION_START_TIMEOUT)


def run_from_page(page, code: str, kind: str | None = None):
    """Types `code` into the session page's form, runs it and returns the new statement's node
    once it is final."""
    tab = page.page
    # The page's first read of the statements is done (a statement, or "No statements yet").
    tab.wait_for_function("() => document.querySelector('#statements').children.length > 0")
    newest_before = tab.evaluate("() => { const a = document.querySelector('article.statement');"
                                 " return a ? a.dataset.id : null; }")
    tab.wait_for_function("() => !document.querySelector('#run button[type=submit]').disabled", timeout=30_000)
    if kind:
        tab.select_option("#run select[name=kind]", kind)
    tab.fill("#run textarea[name=code]", code)
    tab.click("#run button[type=submit]")
    new_id = tab.wait_for_function(
        "(before) => { const a = document.querySelector('article.statement');"
        " return a && a.dataset.id !== before && ['available', 'error', 'cancelled'].includes(a.dataset.state)"
        " && a.dataset.id; }",
        arg=newest_before, timeout=60_000).json_value()
    return tab.locator(f"article.statement[data-id='{new_id}']")


# ---- serving ------------------------------------------------------------------------

def test_root_redirects_and_pages_carry_the_csp(livyd):
    root = livyd.get("/", allow_redirects=False)
    assert root.status_code == 302 and root.headers["Location"] == "/ui/"
    ui = livyd.get("/ui/")
    assert ui.status_code == 200
    assert ui.headers["Content-Type"] == "text/html; charset=utf-8"
    assert ui.headers["Content-Security-Policy"] == CSP
    again = livyd.get("/ui/", headers={"If-None-Match": ui.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    js = livyd.get("/ui/static/ui.js")
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    # server.csrf-protection is on for these tests: what the pages change, they change with
    # X-Requested-By (a client without it is refused).
    bare = requests.post(livyd.url("/sessions/0/statements"), json={"code": "1"}, timeout=10)
    assert bare.status_code == 400 and "CSRF" in bare.json()["msg"]


# ---- lists --------------------------------------------------------------------------

def test_sessions_list_renders_and_a_click_opens_the_session(page, livyd, session_id, screenshots):
    tab = page.page
    tab.goto(livyd.url("/ui/"))
    row = tab.locator(f"#list tr[data-id='{session_id}']")
    row.wait_for()
    cells = row.locator("td")
    assert cells.nth(1).inner_text() == "notebook"
    assert cells.nth(2).inner_text() == "pyspark"
    assert cells.nth(3).inner_text() in {"starting", "idle", "busy"}
    # Its age, from livyd's detailed.createdAt: the tooltip is that time, the text how long ago.
    created = livyd.get_json(f"/sessions/{session_id}", params={"detailed": "true"})["detailed"]["createdAt"]
    age = row.locator("td.age")
    assert age.get_attribute("data-created") == str(created)
    assert re.fullmatch(r"\d+ (s|min)|\d+ h \d+ min", age.inner_text()), age.inner_text()
    # A filter that leaves it out, then one that keeps it.
    tab.select_option("#filters select[name=kind]", "sql")
    tab.click("#filters button[type=submit]")
    tab.locator("#list tr.empty").wait_for()
    assert "kind=sql" in tab.url
    tab.select_option("#filters select[name=kind]", "pyspark")
    tab.select_option("#filters select[name=state]", "live")
    tab.click("#filters button[type=submit]")
    row.wait_for()
    wait_idle(livyd, session_id)
    tab.locator(f"#list tr[data-id='{session_id}'] .state-idle").wait_for(timeout=10_000)  # refreshed by the page
    shot(tab, screenshots, "sessions")
    row.locator(f"a[href='/ui/session/{session_id}']").click()
    tab.wait_for_url(f"**/ui/session/{session_id}")
    tab.locator("#title", has_text=f"Session {session_id} \u2013 notebook").wait_for()
    assert tab.locator("#summary .state").inner_text() == "idle"


def test_batches_list_pages_and_filters_10000_finished_batches(page, livyd, sleeping_batch, screenshots):
    first_seeded, last_seeded = livyd.seeded
    # The API the page uses: a page from either end, and a filtered one, stay fast.
    expected = sum(1 for i in range(SEEDED) if seeded_state(i) == "killed" and seeded_owner(i) == "bob")
    for params in ({"order": "desc", "from": 0, "size": 50}, {"order": "desc", "from": 9950, "size": 50},
                   {"order": "desc", "from": 0, "size": 50, "state": "killed", "owner": "bob"}):
        started = time.monotonic()
        body = livyd.get_json("/batches", params=params)
        took = time.monotonic() - started
        assert len(body["sessions"]) == 50
        assert took < 1.0, f"GET /batches {params} took {took:.2f} s"
    assert body["total"] == expected

    tab = page.page
    started = time.monotonic()
    tab.goto(livyd.url("/ui/batches"))
    tab.locator("#summary", has_text=re.compile(r"of [\d,]+ batches")).wait_for()
    took = time.monotonic() - started
    total = livyd.get_json("/batches", params={"size": 0})["total"]
    assert total >= SEEDED + 1
    assert tab.locator("#summary").inner_text() == f"1\u201350 of {total:,} batches, newest first"
    rows = tab.locator("#list tbody tr")
    assert rows.count() == 50
    ids = [int(rows.nth(i).get_attribute("data-id")) for i in range(50)]
    assert ids == sorted(ids, reverse=True) and ids[0] == sleeping_batch == last_seeded + 1
    assert took < 5, f"the batches page took {took:.1f} s to show its first page"
    row = tab.locator(f"#list tr[data-id='{sleeping_batch}']")
    assert row.locator("td").nth(1).inner_text().startswith("nightly-etl-")
    shot(tab, screenshots, "batches")

    # Older pages, and the last one: the oldest batch.
    tab.click("#pager button:has-text('Older')")
    tab.wait_for_function("(top) => document.querySelector('#list tbody tr').dataset.id < top", arg=ids[-1])
    assert "page=1" in tab.url
    tab.click("#pager button:has-text('Last')")
    last_page = (total - 1) // 50
    tab.locator("#pager .page-no", has_text=f"page {last_page + 1} of {last_page + 1}").wait_for()
    oldest = tab.locator("#list tbody tr").last
    assert int(oldest.get_attribute("data-id")) == 0  # the first livyd's batch

    # Filters: every row matches, and the count is the store's.
    tab.select_option("#filters select[name=state]", "killed")
    tab.fill("#filters input[name=owner]", "bob")
    tab.click("#filters button[type=submit]")
    tab.locator("#summary", has_text=f"of {expected:,} batches").wait_for()
    assert rows.count() == 50
    for i in range(50):
        cells = rows.nth(i).locator("td")
        assert cells.nth(2).inner_text() == "killed"
        assert cells.nth(3).inner_text() == "bob"
    assert "state=killed" in tab.url and "owner=bob" in tab.url


# ---- a session ------------------------------------------------------------------------

TABLE_CODE = """rows = [{"city": "Lyon", "visits": 1204, "share": 0.31},
        {"city": "Porto", "visits": 877, "share": 0.22},
        {"city": "Oslo", "visits": 1790, "share": 0.47}]
%table rows"""
JSON_CODE = """summary = {"cities": 3, "top": "Oslo", "visits": [1204, 877, 1790]}
%json summary"""
ERROR_CODE = """def share(part, whole):
    # whole may not be zero
    return part / whole

share(3, 0)"""
# A figure-like object: the driver's %matplot calls savefig(buf, format="png"); this one writes
# a real PNG (a small gradient) without matplotlib.
IMAGE_CODE = r'''import struct, zlib
class Gradient:
    def savefig(self, buf, format="png"):
        w, h = 96, 32
        raw = b"".join(b"\x00" + bytes(v for x in range(w) for v in (x * 2, 90 + y * 4, 200)) for y in range(h))
        def chunk(tag, data):
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
        buf.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
figure = Gradient()
%matplot figure'''
SPARK_CODE = """# a Spark job
df = spark.range(0, 100000)
df.selectExpr("sum(id) AS total").collect()[0]["total"]"""


def test_statements_run_from_the_page_and_render_by_type(page, livyd, session_id, screenshots):
    wait_idle(livyd, session_id)
    tab = page.page
    tab.goto(livyd.url(f"/ui/session/{session_id}"))

    plain = run_from_page(page, "1 + 41")
    assert plain.get_attribute("data-state") == "available"
    assert plain.locator(".output pre.out-text").inner_text() == "42"
    assert plain.locator(".st-progress").inner_text() == "100%"
    assert re.fullmatch(r"\d+ ms|\d+\.\d s", plain.locator(".st-duration").inner_text())
    # What livyd stored is what the page showed.
    stored = livyd.get_json(f"/sessions/{session_id}/statements/{plain.get_attribute('data-id')}")
    assert stored["code"] == "1 + 41" and stored["output"]["data"]["text/plain"] == "42"

    spark = run_from_page(page, SPARK_CODE)
    assert spark.locator(".output").inner_text().strip() == str(sum(range(100000)))
    assert spark.locator("pre.code .tok-comment").first.inner_text() == "# a Spark job"
    assert spark.locator("pre.code .tok-string").first.inner_text() == '"sum(id) AS total"'
    assert spark.locator("pre.code .tok-number").first.inner_text() == "0"

    image = run_from_page(page, IMAGE_CODE)
    img = image.locator("img.out-image")
    tab.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [96, 32]

    as_json = run_from_page(page, JSON_CODE)
    text = as_json.locator("pre.out-json").inner_text()
    assert '"top": "Oslo"' in text and '"cities": 3' in text

    error = run_from_page(page, ERROR_CODE)
    assert error.get_attribute("data-state") in {"available", "error"}
    assert error.locator(".out-error .ename").inner_text() == "ZeroDivisionError: division by zero"
    trace = error.locator(".traceback").inner_text()
    assert "Traceback (most recent call last)" in trace and "in share" in trace
    assert error.locator("pre.code .tok-keyword", has_text="def").count() == 1

    table = run_from_page(page, TABLE_CODE)
    headers = table.locator(".out-table thead th")
    # Livy's %table: a dict row's columns sorted by name, a Python int is INT_TYPE.
    assert headers.evaluate_all("ths => ths.map(th => th.firstChild.textContent)") == ["city", "share", "visits"]
    types = headers.evaluate_all("ths => ths.map(th => th.querySelector('.col-type').textContent)")
    assert types == ["STRING_TYPE", "DOUBLE_TYPE", "INT_TYPE"]
    assert table.locator(".out-table tbody tr").count() == 3
    assert table.locator(".out-table tbody tr").nth(2).inner_text().split("\t") == ["Oslo", "0.47", "1790"]
    shot(tab, screenshots, "session", full_page=True)


def test_session_log_viewer_shows_the_driver_output(page, livyd, session_id):
    tab = page.page
    tab.goto(livyd.url(f"/ui/session/{session_id}/log"))
    tab.wait_for_function("() => document.querySelector('#log').textContent.length > 0")
    api_lines = livyd.get_json(f"/sessions/{session_id}/log", params={"size": 1000})["log"]
    shown = tab.locator("#log").inner_text()
    assert api_lines and api_lines[-1].strip() in shown
    assert tab.locator("#state .state").inner_text() == "idle"
    assert tab.locator("#back a").get_attribute("href") == f"/ui/session/{session_id}"


def test_hostile_names_and_outputs_are_shown_as_text(page, livyd, session_id):
    """A session name and statement outputs that hold markup are shown as text: nothing runs,
    no element is made from them. (The CSP would also stop an inline script; the checks here
    look at the DOM, so they hold without it.)"""
    hostile = livyd.post_json("/sessions", {"kind": "pyspark", "name": HOSTILE_NAME}, expect=201)
    tab = page.page
    try:
        tab.goto(livyd.url("/ui/"))
        row = tab.locator(f"#list tr[data-id='{hostile['id']}']")
        row.wait_for()
        assert row.locator("td").nth(1).inner_text() == HOSTILE_NAME
        tab.goto(livyd.url(f"/ui/session/{hostile['id']}"))
        tab.locator("#title", has_text=HOSTILE_NAME).wait_for()
        assert_nothing_ran(tab)
    finally:
        tab.goto("about:blank")  # before the delete: its page would then read a 404
        livyd.delete(f"/sessions/{hostile['id']}")

    tab.goto(livyd.url(f"/ui/session/{session_id}"))
    markup = "<script>window.__xss='out'</script><img src=x onerror=\"window.__xss='img'\">"
    printed = run_from_page(page, f"print({markup!r})")
    assert printed.locator(".output").inner_text().strip() == markup
    tabled = run_from_page(page, f"bad = [{{{markup!r}: {markup!r}}}]\n%table bad")
    assert tabled.locator(".out-table td").inner_text() == markup
    assert markup in tabled.locator(".out-table th").inner_text()
    raising = f"raise ValueError({markup!r})"
    raised = run_from_page(page, raising)
    assert raised.locator(".out-error .evalue").inner_text() == markup
    assert raised.locator("pre.code").inner_text() == raising
    as_json = run_from_page(page, "%json bad")
    assert json.loads(as_json.locator("pre.out-json").inner_text()) == [{markup: markup}]
    tab.reload()
    tab.locator("article.statement").first.wait_for()
    assert_nothing_ran(tab)


def test_a_running_statement_is_cancelled_from_the_page(page, livyd, session_id):
    tab = page.page
    tab.goto(livyd.url(f"/ui/session/{session_id}"))
    tab.wait_for_function("() => document.querySelector('#statements').children.length > 0")
    tab.wait_for_function("() => !document.querySelector('#run button[type=submit]').disabled")
    tab.fill("#run textarea[name=code]", "import time\ntime.sleep(120)")
    tab.click("#run button[type=submit]")
    running = tab.locator("article.statement[data-state='running']")
    running.wait_for(timeout=30_000)
    statement = running.get_attribute("data-id")
    running.locator("button", has_text="Cancel").click()
    tab.locator(f"article.statement[data-id='{statement}'] button", has_text="Really cancel?").click()
    tab.locator(f"article.statement[data-id='{statement}'][data-state='cancelled']").wait_for(timeout=30_000)
    assert livyd.get_json(f"/sessions/{session_id}/statements/{statement}")["state"] == "cancelled"
    livyd.wait_session_state(session_id, {"idle"}, timeout=60)


def assert_nothing_ran(tab):
    assert tab.evaluate("window.__xss") is None
    assert tab.locator("img[src='x']").count() == 0
    scripts = tab.evaluate("[...document.scripts].map(s => s.getAttribute('src'))")
    assert all(src and src.startswith("/ui/static/") for src in scripts), scripts


def test_images_are_only_made_from_base64(page, livyd, session_id):
    """The image/png renderer in the page: a data: URL from base64 text only."""
    tab = page.page
    tab.goto(livyd.url(f"/ui/session/{session_id}"))
    tab.locator("article.statement").first.wait_for()
    png = base64.b64encode(b"\x89PNG bytes").decode()
    made = tab.evaluate("""(png) => {
        const ok = renderOutput({status: 'ok', data: {'image/png': png}});
        const bad = renderOutput({status: 'ok', data: {'image/png': '"><script>x</script>'}});
        return [ok.querySelector('img').getAttribute('src').slice(0, 22), bad.querySelector('img') === null,
                bad.textContent];
    }""", png)
    assert made == ["data:image/png;base64,", True, "(an image/png output that is not base64)"]


# ---- a batch --------------------------------------------------------------------------

def test_log_viewer_follows_a_batch_and_kill_shows_killed(page, livyd, sleeping_batch, screenshots):
    tab = page.page
    tab.goto(livyd.url(f"/ui/batch/{sleeping_batch}/log"))
    # Followed while it runs: the line the job prints after its SparkSession is up arrives by polling.
    tab.locator("#log", has_text="sleep.py: started with marker").wait_for(timeout=180_000)
    assert tab.locator("#state .state").inner_text() == "running"
    assert tab.locator("#follow").is_checked()
    shot(tab, screenshots, "log")
    kill = tab.locator("#actions button", has_text="Kill batch")
    kill.click()
    tab.locator("#actions button", has_text="Really kill?").click()
    tab.locator("#state .state-killed").wait_for(timeout=30_000)
    assert tab.locator("#state").inner_text() == "killed"
    assert tab.locator("#actions button").count() == 0
    assert livyd.state(sleeping_batch) == "killed"
    tab.goto(livyd.url("/ui/batches?state=killed"))
    row = tab.locator(f"#list tr[data-id='{sleeping_batch}']")
    row.wait_for()
    assert row.locator("td").nth(2).inner_text() == "killed"


def test_a_session_killed_from_its_page_is_gone(browser_context, livyd, session_id):
    tab = browser_context.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        tab.goto(livyd.url(f"/ui/session/{session_id}"))
        tab.locator("#actions button", has_text="Kill session").click()
        tab.locator("#actions button", has_text="Really kill?").click()
        tab.locator("#summary", has_text="deleted").wait_for(timeout=30_000)
        assert tab.locator("#run button[type=submit]").is_disabled()
        assert livyd.get(f"/sessions/{session_id}").status_code == 404
    finally:
        tab.close()
    assert not errors
