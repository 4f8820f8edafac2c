"""The results browser: its data files (pure parts, property-tested escaping), the build from a small finished run,
the loopback server, and the site itself in the system's headless Chromium: navigation from the index to one
instance, the filters, permalinks, hostile model text that must stay text, and no console errors."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codenl.arms import ARMS, OUTCOMES
from codenl.cli import main
from codenl.naming import model_slug
from codenl.viewer.browser import find_chromium
from codenl.viewer.build import build, cap, counts_table, list_rows, short
from codenl.viewer.jsdata import GLOBAL, js_assignment, js_literal
from codenl.viewer.serve import server

from .viewer_run import HOSTILE, make_run

# ---------------------------------------------------------------------------------------------------------------
# data files


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_js_literal_is_json_of_the_same_value_and_holds_no_raw_markup(value: Any) -> None:
    text = js_literal(value)
    assert json.loads(text) == value
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text


def test_js_literal_escapes_every_way_out_of_a_script() -> None:
    nasty = "</script><script>alert(1)</script><!-- x -->\u2028\u2029</SCRIPT >"
    text = js_assignment("k</script>", {"t": nasty})
    assert "</" not in text.lower() and "<!--" not in text and "\u2028" not in text
    assert text.startswith(f"(window.{GLOBAL}=window.{GLOBAL}||{{}})[")
    assert json.loads(text[text.index("]=") + 2 :].rstrip(";\n")) == {"t": nasty}
    assert js_literal(float("nan")) == "null" and js_literal([float("inf")]) == "[null]"


def test_short_and_cap_say_what_they_cut() -> None:
    assert short("x" * 10, 5) == "xxxx\u2026" and short("abc", 5) == "abc" and short(None) is None
    capped = cap({"a": ["y" * 30], "b": 3}, limit=10)
    assert capped["a"][0].startswith("y" * 10) and "20 more characters" in capped["a"][0] and capped["b"] == 3


def _records(rows: list[tuple[str, str, str, bool | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "instance_id": i,
                "model": "m/x",
                "seed": 0,
                "kind": "add",
                "size": s,
                "index": n,
                "arm": arm,
                "outcome": outcome,
                "fidelity": fid,
                "answer": "7",
                "gold": "[1, 2]",
            }
            for (i, s, n), arm, outcome, fid in rows
        ]
    )


def test_list_rows_hold_every_arm_in_registry_order_and_sort_by_size_then_index() -> None:
    df = _records(
        [
            (("b", 3, 0), "code", "timeout", None),
            (("a", 2, 1), "nl", "correct", None),
            (("a", 2, 1), "sim", "wrong", False),
            (("c", 2, 0), "controlsim", "infra_error", True),
        ]
    )
    rows = list_rows(df)
    assert [r[0] for r in rows] == ["c", "a", "b"]
    a = rows[1]
    assert a[1:4] == [2, 1, "[1, 2]"]
    assert a[4][ARMS.index("nl")] == [OUTCOMES.index("correct"), None, "7"]
    assert a[4][ARMS.index("sim")] == [OUTCOMES.index("wrong"), 0, "7"]
    assert a[4][ARMS.index("code")] is None and rows[0][4][ARMS.index("controlsim")][1] == 1


def test_counts_exclude_nothing_and_count_infra_separately() -> None:
    df = _records(
        [
            (("a", 2, 0), "nl", "correct", None),
            (("b", 2, 1), "nl", "infra_error", None),
            (("c", 2, 2), "nl", "wrong", None),
            (("d", 3, 0), "nl", "correct", None),
        ]
    )
    assert sorted(counts_table(df, ["m/x"])) == [[0, "add", 2, 0, "nl", 3, 1, 1], [0, "add", 3, 0, "nl", 1, 1, 0]]


# ---------------------------------------------------------------------------------------------------------------
# the build


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("viewer")
    records_path = make_run(root)
    figures = root / "results" / "figures"
    figures.mkdir()
    (figures / "line.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # shown as a file, not decoded here
    out = root / "results" / "viewer"
    assert (
        main(
            [
                "viewer",
                "--records",
                str(records_path),
                "--results",
                str(root / "results"),
                "--figures",
                str(figures),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    records = pd.read_parquet(records_path)
    problems = {}
    for path in (root / "results" / "problems").rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            inst = json.loads(line)
            problems[inst["id"]] = inst
    return {"root": root, "out": out, "records": records, "problems": problems}


def _load_js(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("]=") + 2 :].rstrip(";\n"))


def test_build_writes_one_list_shard_per_model_kind_seed_and_one_detail_shard_per_size(site: dict) -> None:
    out, records = site["out"], site["records"]
    index = _load_js(out / "data" / "index.js")
    groups = records.groupby(["model", "kind", "seed"]).size()
    assert len(index["shards"]) == len(groups)
    models = [m["name"] for m in index["models"]]
    for (model, kind, seed), n_rows in groups.items():
        shard = index["shards"][f"{models.index(model)}/{kind}/{seed}"]
        rows = _load_js(out / shard["list"])
        assert len(rows) == shard["n"] == n_rows // len(ARMS)
        for size, file in shard["detail"].items():
            detail = _load_js(out / file)["instances"]
            ids = set(
                records[
                    (records.model == model)
                    & (records.kind == kind)
                    & (records.seed == seed)
                    & (records["size"] == int(size))
                ].instance_id
            )
            assert set(detail) == ids
    assert sum(c[5] for c in index["counts"]) == len(records)
    assert index["figures"] == ["line.png"] and (out / "figures" / "line.png").exists()
    assert index["fidelity_arms"] == ["sim", "controlsim"]
    assert not (out.parent / ".viewer.tmp").exists()


def test_detail_joins_prompt_reply_code_and_execution(site: dict) -> None:
    out, records = site["out"], site["records"]
    row = records[
        (records.model == "org/model-a") & (records.arm == "code") & (records.outcome == "runtime_error")
    ].iloc[0]
    index = _load_js(out / "data" / "index.js")
    shard = index["shards"][f"1/{row.kind}/{row.seed}"]
    d = _load_js(out / shard["detail"][str(row["size"])])["instances"][row.instance_id]
    inst = site["problems"][row.instance_id]
    assert d["statement"] == inst["statement"] and json.loads(d["gold"]) == inst["answer"]
    assert inst["statement"] in d["arms"]["nl"]["prompt"] and inst["statement"] in d["arms"]["sim"]["prompt"]
    code = d["arms"]["code"]["code"]
    assert code.startswith("def solution():") and code == d["arms"]["sim"]["code"]
    assert code in d["arms"]["controlsim"]["prompt"] and inst["statement"] not in d["arms"]["controlsim"]["prompt"]
    assert d["arms"]["code"]["prompt"] is None and d["arms"]["code"]["execution"]["status"] == "runtime_error"
    assert d["arms"]["code"]["graded"]["outcome"] == "runtime_error"
    assert d["arms"]["nl"]["response"]["answered_provider"] == "Upstream<b>Inc</b>"


def test_a_missing_shard_is_a_note_not_a_failure(site: dict, tmp_path: Path) -> None:
    results = tmp_path / "results"
    import shutil

    shutil.copytree(site["root"] / "results", results)
    gone = results / "responses" / model_slug("local-b") / "nl" / "add" / "2" / "seed0.jsonl"
    gone.unlink()
    build(results / "aggregate" / "records.parquet", results, tmp_path / "site")
    index = _load_js(tmp_path / "site" / "data" / "index.js")
    detail = _load_js(tmp_path / "site" / index["shards"]["0/add/0"]["detail"]["2"])
    some = next(iter(detail["instances"].values()))
    assert [n for n in detail["notes"] if str(gone) in n] and some["arms"]["nl"]["response"] is None


def test_bad_records_stop_with_the_file_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.parquet"
    pd.DataFrame({"instance_id": ["a"], "model": ["m"], "seed": [0], "kind": ["add"], "size": [2]}).to_parquet(path)
    assert main(["viewer", "--records", str(path), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "arm" in err and "outcome" in err


def test_view_serves_the_site_on_loopback_only(site: dict) -> None:
    httpd = server(site["out"], 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as resp:
            body = resp.read().decode()
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in body
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------------------------------------------------------
# in the browser

BROWSER, DRIVER = find_chromium()
_skip = pytest.mark.skipif(
    BROWSER is None or DRIVER is None, reason="chromium and chromedriver are not installed (scripts/setup-system.sh)"
)


def needs_browser(test: Any) -> Any:
    return pytest.mark.browser(_skip(test))


@pytest.fixture(scope="module")
def browser(site: dict) -> Any:
    from codenl.viewer.browser import chromium

    with chromium() as driver:
        driver.set_page_load_timeout(60)
        yield driver


class Page:
    """The site in one browser: navigation that waits for the page's own "rendered" mark, and console errors."""

    def __init__(self, driver: Any, out: Path) -> None:
        self.d = driver
        self.base = (out / "index.html").as_uri()
        self.console: list[dict[str, Any]] = []

    def mark(self) -> str | None:
        return self.d.execute_script("return document.documentElement.getAttribute('data-rendered')")

    def wait(self, before: str | None) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.d, 30).until(lambda d: self.mark() not in (None, before))
        self.console += self.d.get_log("browser")

    def open(self, hash_: str = "") -> None:
        self.d.get("about:blank")
        self.d.get(self.base + hash_)
        self.wait(None)

    def click(self, element: Any) -> None:
        before = self.mark()
        element.click()
        self.wait(before)

    def choose(self, select_id: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        before = self.mark()
        Select(self.d.find_element("id", select_id)).select_by_value(value)
        self.wait(before)

    def css(self, selector: str) -> list[Any]:
        return self.d.find_elements("css selector", selector)

    def count(self) -> int:
        return int(self.d.find_element("id", "list-count").text.split()[0])

    def errors(self) -> list[dict[str, Any]]:
        self.console += self.d.get_log("browser")
        return [e for e in self.console if e.get("level") in ("SEVERE", "ERROR")]


@pytest.fixture
def page(browser: Any, site: dict) -> Page:
    p = Page(browser, site["out"])
    browser.get_log("browser")  # drop what earlier tests left
    yield p
    assert p.errors() == []


def _acc(records: pd.DataFrame) -> str:
    valid = records[records.outcome != "infra_error"]
    return f"{100 * valid.correct.mean():.1f}%"


@needs_browser
def test_navigation_from_the_headline_table_to_one_instance(page: Page, site: dict) -> None:
    records = site["records"]
    page.open()
    assert "default-src 'none'" in page.d.find_element("css selector", "meta[http-equiv]").get_attribute("content")
    table = page.d.find_element("id", "t-model-arm")
    row = next(tr for tr in table.find_elements("css selector", "tbody tr") if tr.text.startswith("org/model-a"))
    sim_cell = row.find_elements("css selector", "td")[2 + ARMS.index("sim")]
    mine = records[records.model == "org/model-a"]
    assert sim_cell.text.split()[0] == _acc(mine[mine.arm == "sim"])
    page.click(sim_cell.find_element("css selector", "a"))
    assert page.count() == mine.groupby(["seed", "instance_id"]).ngroups
    links = page.css("a.inst")
    assert len(links) == page.count()
    page.click(links[0])
    assert "#/instance?" in page.d.current_url
    iid = page.d.find_element("css selector", "h1 code").text
    inst = site["problems"][iid]
    assert page.d.find_element("id", "statement").text == inst["statement"].strip()
    assert json.loads(page.d.find_element("id", "gold").text) == inst["answer"]
    for arm in ARMS:
        badge = page.d.find_element("css selector", f"#arm-{arm} .outcome .badge").text
        assert badge == mine[(mine.instance_id == iid) & (mine.arm == arm)].outcome.item()
    # Sim says X, execution returned Y: both on the page (the first instance's execution returned the gold answer)
    executed = page.css("#arm-controlsim .ans-exec")
    assert [json.loads(e.text) for e in executed] == [inst["answer"]]
    stated = page.d.find_element("css selector", "#arm-controlsim .ans-full").text
    assert json.loads(stated) != inst["answer"]
    # the kind table's cells lead to that kind's list
    page.open()
    kind_cell = page.d.find_element("css selector", "#t-kind tbody tr td a")
    kind = kind_cell.text
    page.click(kind_cell)
    assert page.count() == records[records.kind == kind].groupby(["model", "seed", "instance_id"]).ngroups


@needs_browser
def test_every_index_cell_links_to_as_many_instances_as_it_counts(page: Page, site: dict) -> None:
    page.open("#/?model=org%2Fmodel-a")
    cells = [(a.get_attribute("href"), a.find_element("xpath", "..").text) for a in page.css("#t-size td.num a")]
    assert len(cells) == 2 * len(ARMS)
    for href, text in cells:
        page.open(href[href.index("#") :])
        correct, graded = map(int, re.search(r"(\d+)/(\d+)", text).groups())
        rows = page.css("#list tbody tr")
        arm = re.search(r"arm=(\w+)", href).group(1)
        badges = [
            r.find_elements("css selector", "td")[7 + ARMS.index(arm)].find_element("css selector", ".badge").text
            for r in rows
        ]
        assert badges.count("correct") == correct
        assert len(badges) - badges.count("infra_error") == graded


@needs_browser
def test_filters_answer_the_studys_questions(page: Page, site: dict) -> None:
    records = site["records"]
    wide = records.pivot_table(index=["model", "seed", "instance_id"], columns="arm", values="outcome", aggfunc="first")
    fid = records.pivot_table(index=["model", "seed", "instance_id"], columns="arm", values="fidelity", aggfunc="first")
    page.open("#/list")
    assert page.count() == len(wide)
    page.choose("f-arm", "code")
    page.choose("f-outcome", "runtime_error")
    assert page.count() == int((wide["code"] == "runtime_error").sum()) > 0
    page.choose("f-outcome", "")
    page.choose("f-dis", "ab")  # defaults to Code correct, NL not
    code_nl = (wide["code"] == "correct") & ~wide["nl"].isin(["correct", "infra_error"])
    assert page.count() == int(code_nl.sum()) > 0
    assert "Code correct, NL not" in page.d.find_element("id", "list-count").text
    page.choose("f-a", "nl")
    page.choose("f-b", "code")
    assert page.count() == int(((wide["nl"] == "correct") & ~wide["code"].isin(["correct", "infra_error"])).sum())
    page.choose("f-dis", "fid")
    page.choose("f-f", "controlsim")
    assert page.count() == int(fid["controlsim"].eq(False).sum()) > 0
    assert "ControlSim says X, execution returned Y" in page.d.find_element("id", "list-count").text
    page.choose("f-model", "local-b")
    assert page.count() == int(fid.loc["local-b"]["controlsim"].eq(False).sum())
    page.choose("f-dis", "")
    page.choose("f-kind", "tsp_d")
    page.choose("f-seed", "0")
    assert (
        page.count()
        == records[(records.model == "local-b") & (records.kind == "tsp_d") & (records.seed == 0)].instance_id.nunique()
    )
    page.choose("f-model", "")
    page.choose("f-size", "5")
    assert (
        page.count()
        == records[(records.kind == "tsp_d") & (records.seed == 0)].groupby(["model", "instance_id"]).ngroups
    )
    # the filtered view is itself a permalink
    url = page.d.current_url
    page.open(url[url.index("#") :])
    assert page.d.find_element("id", "f-kind").get_attribute("value") == "tsp_d"


@needs_browser
def test_an_instance_permalink_opens_the_instance_in_a_fresh_page(page: Page, site: dict) -> None:
    page.open("#/list?model=local-b&kind=add")
    page.click(page.css("a.inst")[1])
    link = page.d.find_element("id", "permalink").get_attribute("href")
    here = parse_qs(urlsplit(page.d.current_url).fragment.split("?", 1)[1])
    assert parse_qs(link.split("?", 1)[1]) == {k: v for k, v in here.items() if k != "from"}  # no list context
    iid = page.d.find_element("css selector", "h1 code").text
    page.open(link[link.index("#") :])
    assert page.d.find_element("css selector", "h1 code").text == iid
    page.open("#/instance?model=local-b&kind=add&size=2&seed=0&id=0000000000000000")
    assert "No such instance" in page.d.find_element("id", "app").text


@needs_browser
def test_previous_and_next_step_through_the_list_an_instance_was_opened_from(page: Page, site: dict) -> None:
    records = site["records"]
    wide = records.pivot_table(index=["model", "seed", "instance_id"], columns="arm", values="outcome", aggfunc="first")
    flips = set(wide[(wide["code"] == "correct") & ~wide["nl"].isin(["correct", "infra_error"])].index)
    page.open("#/list?dis=ab&a=code&b=nl")
    listed = [a.text for a in page.css("a.inst")]
    assert len(listed) == len(flips) > 2
    page.click(page.css("a.inst")[0])
    seen = []
    while True:
        seen.append(page.d.find_element("css selector", "h1 code").text)
        nav = page.d.find_element("id", "neighbours")
        assert f"{len(seen)} of {len(flips)} in the list" in nav.text
        ahead = [a for a in nav.find_elements("css selector", "a") if a.text.startswith("next")]
        if not ahead:
            break
        page.click(ahead[0])
    assert seen == listed  # every flip once, in the list's order, and the last has no next
    page.click(page.d.find_element("css selector", "#crumbs a"))
    assert page.d.find_element("id", "f-dis").get_attribute("value") == "ab" and page.count() == len(flips)


@needs_browser
def test_hostile_model_text_shows_as_text_and_runs_nothing(page: Page, site: dict) -> None:
    records = site["records"]
    row = records[
        (records.model == "org/model-a") & (records["index"] == 0) & (records.kind == "add") & (records.seed == 0)
    ].iloc[0]
    page.open(f"#/instance?model=org%2Fmodel-a&kind=add&size=2&seed=0&id={row.instance_id}")
    nl = page.d.find_element("css selector", "#arm-nl .reply")
    shown = nl.get_attribute("textContent")
    for piece in (
        "<script>window.__pwned = 'script';</script>",
        "</script><script>window.__pwned = 'close'",
        "<img src=x onerror=\"window.__pwned = 'img'\">",
        "[click me](javascript:window.__pwned='js')",
        '<iframe src="https://example.invalid/"></iframe>',
        "<!-- not a comment -->",
    ):
        assert piece in shown
    code = page.d.find_element("css selector", "#arm-code [data-sec=code] pre").get_attribute("textContent")
    assert "</script><img src=x onerror=window.__pwned='code'>" in code
    # highlighted by the page's own tokenizer: spans that hold text
    tokens = {
        cls: [t.text for t in page.css(f"#arm-code [data-sec=code] pre .tk-{cls}")] for cls in ("kw", "def", "str")
    }
    assert tokens == {
        "kw": ["def", "return"],
        "def": ["solution"],
        "str": ["\"</script><img src=x onerror=window.__pwned='code'>\""],
    }
    assert "Upstream<b>Inc</b>" in page.d.find_element("id", "arm-nl").get_attribute("textContent")
    # the value the page holds is the value written, byte for byte (escaped in the file, not changed)
    key = "detail/1/add/2/0"  # models in order: local-b, org/model-a
    text = page.d.execute_script(
        f"return window.CODENL_DATA[{json.dumps(key)}].instances[arguments[0]].arms.nl.response.text", row.instance_id
    )
    assert text.startswith(HOSTILE)
    # an execution record's hostile stderr and exception, and a hostile infra error message
    runtime = records[
        (records.model == "org/model-a")
        & (records.arm == "code")
        & (records.outcome == "runtime_error")
        & (records.kind == "add")
        & (records.seed == 0)
    ].iloc[0]
    page.open(f"#/instance?model=org%2Fmodel-a&kind=add&size=2&seed=0&id={runtime.instance_id}")
    assert "</script><script>window.__pwned='stderr'</script>" in page.d.find_element(
        "css selector", "#arm-code .out-stderr_tail"
    ).get_attribute("textContent")
    record = page.d.find_element("css selector", "#arm-code [data-sec=execution]").text
    assert "allowed packages" in record and "numpy" in record and "future_field" in record and "<b>new</b>" in record
    assert "ValueError: <img src=x onerror=" in record
    infra = records[
        (records.model == "org/model-a")
        & (records.arm == "nl")
        & (records.outcome == "infra_error")
        & (records.kind == "add")
        & (records.seed == 0)
    ].iloc[0]
    page.open(f"#/instance?model=org%2Fmodel-a&kind=add&size=2&seed=0&id={infra.instance_id}")
    assert "<script>window.__pwned='err'</script>" in page.d.find_element("id", "arm-nl").get_attribute("textContent")
    assert "No code today." in page.d.find_element("css selector", "#arm-sim .reply").get_attribute("textContent")
    # nothing ran, no markup from the data became an element, no link leaves the page
    assert page.d.execute_script("return window.__pwned") is None
    for tag in ("img", "iframe", "script", "style", "a[href^=javascript]"):
        assert page.css(f"#app {tag}") == [], tag
    assert all(b.text != "Inc" for b in page.css("#app b"))
    hrefs = [a.get_attribute("href") for a in page.css("a")]
    assert hrefs and all(h.startswith(page.base + "#/") for h in hrefs), hrefs
    # and the Content-Security-Policy would stop an inline script even if one got into the page
    ran = page.d.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
        "document.body.appendChild(s); return window.__inline === 1"
    )
    assert ran is False
    blocked = [e for e in page.d.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert blocked, "the inline script was not reported as blocked"


@needs_browser
def test_served_on_loopback_the_pages_load_only_their_own_files(page: Page, site: dict) -> None:
    httpd = server(site["out"], 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{httpd.server_address[1]}/"
        page.base = origin + "index.html"
        records = site["records"]
        iid = records[
            (records.model == "org/model-a") & (records["index"] == 0) & (records.kind == "add") & (records.seed == 0)
        ].instance_id.iloc[0]
        page.open()
        assert page.css("img[src='figures/line.png']")
        page.click(page.css("#t-model-arm a[href*='list']")[0])
        page.open(f"#/instance?model=org%2Fmodel-a&kind=add&size=2&seed=0&id={iid}")
        # resource timing sees every file the page loaded (Chromium records none for file:// pages)
        urls = page.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert any(u.endswith("data/index.js") for u in urls) and any("/data/detail/" in u for u in urls), urls
        assert all(u.startswith(origin) for u in urls), urls
        assert page.d.execute_script("return window.__pwned") is None
    finally:
        httpd.shutdown()
        httpd.server_close()
