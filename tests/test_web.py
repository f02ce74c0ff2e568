"""The moderators' page in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium)
against a real server: highlights on the right words, in the DOM and on the screenshot; the queue by keyboard."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from api.store.models import AuditEvent, Item, Verdict
from services import INSTALL_HINT, Server

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1100",
         "--force-device-scale-factor=1"]
TEXT = "Срочно нужен курьер-закладчик в Алматы, оплата 30 000 ₸ в день, опыт не нужен, пиши в лс @fast_job"
MARK_RGB = (0xFF, 0xD5, 0x4A)  # app.css --mark

# every mark's characters located afresh from the text box's plain text, to compare with where the mark is drawn
GEOMETRY_JS = """
const box = arguments[0];
const text = box.textContent;
const nodes = [];
const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(), at = 0; n; n = walker.nextNode()) { nodes.push([n, at]); at += n.data.length; }
const units = (cp) => Array.from(text).slice(0, cp).join('').length;   // code points -> UTF-16 units
// a start at a node boundary lies in the next node, an end in the node it closes
const point = (u, isEnd) => {
  for (const [n, at] of nodes) { if (isEnd ? u <= at + n.data.length : u < at + n.data.length) return [n, u - at]; }
};
const rect = (r) => ({x: r.left, y: r.top, w: r.width, h: r.height});
return {
  text: text, dpr: window.devicePixelRatio,
  marks: Array.from(box.querySelectorAll('mark.reason')).map((m) => {
    const start = +m.dataset.start, end = +m.dataset.end;
    const range = document.createRange();
    range.setStart(...point(units(start), false));
    range.setEnd(...point(units(end), true));
    const own = m.getClientRects()[0];
    const hit = document.elementFromPoint(own.left + own.width / 2, own.top + own.height / 2);
    return {start: start, end: end, text: m.textContent, drawn: rect(own), located: rect(range.getClientRects()[0]),
            located_text: range.toString(), on_top: hit === m || m.contains(hit)};
  }),
  plain: Array.from(box.childNodes).filter((n) => n.nodeType === 3 && /[^\\s\\d.,:;!?₸@-]{3}/.test(n.data))
    .map((n) => { const r = document.createRange(); r.selectNodeContents(n); return rect(r.getClientRects()[0]); }),
};
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM or not DRIVER:
        pytest.skip(f"Chromium or chromedriver not installed (Debian packages chromium, chromium-driver; {INSTALL_HINT})")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory, model_dir):
    workdir = tmp_path_factory.mktemp("site")
    with Server(workdir, ADRISK_MODEL=str(model_dir), ADRISK_STORE_TEXT="true") as server:
        server.db = workdir / "data" / "adrisk.db"
        yield server


def _wait(driver, condition, timeout=20):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=[NoSuchElementException,
                                                              StaleElementReferenceException]).until(condition)


def _share_of_mark_colour(image, r: dict, dpr: float) -> float:
    box = (int(r["x"] * dpr) + 1, int(r["y"] * dpr) + 1, int((r["x"] + r["w"]) * dpr) - 1,
           int((r["y"] + r["h"]) * dpr) - 1)
    pixels = list(image.crop(box).getdata())
    near = sum(all(abs(p[i] - MARK_RGB[i]) <= 12 for i in range(3)) for p in pixels)
    return near / max(len(pixels), 1)


def test_the_page_references_nothing_outside(site):
    html = httpx.get(site.url + "/", timeout=10).text
    links = re.findall(r"""(?:src|href|action|hx-get|hx-post)\s*=\s*["']([^"']*)""", html)
    assert links and all(not re.match(r"(?i)([a-z][a-z0-9+.-]*:|//)", link) for link in links), links
    assert not re.search(r"(?i)https?://|//cdn|@import", html)
    for asset in ("app.css", "app.js", "htmx.min.js"):
        body = httpx.get(f"{site.url}/static/{asset}", timeout=10)
        assert body.status_code == 200 and not re.search(r"url\(\s*['\"]?(https?:)?//", body.text)
    assert httpx.get(f"{site.url}/static/htmx.LICENSE.txt", timeout=10).text.startswith("Zero-Clause BSD")


def test_a_pasted_text_is_scored_with_its_reasons_on_the_right_words(browser, site, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    browser.get(site.url + "/")
    browser.find_element(By.ID, "text").send_keys(TEXT)
    browser.find_element(By.ID, "score-button").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result mark.reason"))
    api = httpx.post(site.url + "/score", json={"text": TEXT}, timeout=30).json()

    box = browser.find_element(By.CSS_SELECTOR, "#result .adtext")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    seen = browser.execute_script(GEOMETRY_JS, box)
    assert seen["text"] == TEXT  # the highlighted copy is exactly the input
    marks = sorted((m["start"], m["end"], m["text"]) for m in seen["marks"])
    assert marks == sorted((r["start"], r["end"], r["text"]) for r in api["reasons"]) and marks
    for m in seen["marks"]:
        assert m["text"] == TEXT[m["start"]:m["end"]] == m["located_text"]
        for k in ("x", "y", "w", "h"):  # drawn where those characters are laid out
            assert abs(m["drawn"][k] - m["located"][k]) <= 1.5, (m, k)
        assert m["on_top"], m
    assert browser.find_element(By.ID, "score").text == f"{api['score']:.3f}"
    assert browser.find_element(By.CSS_SELECTOR, "#result .band").text.lower() == api["risk"]
    assert browser.find_element(By.ID, "category").text == api["category"]
    flags = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#result .flags li")]
    assert len(flags) == len(api["flags"]) and all(f["name"] in t for f, t in zip(api["flags"], flags))

    shot = tmp_path / "page.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size[0] >= 1000 and image.size[1] >= 600
    for m in seen["marks"]:  # the highlight colour is on the screenshot where each mark is
        assert _share_of_mark_colour(image, m["drawn"], seen["dpr"]) > 0.3, m
    assert seen["plain"]
    for r in seen["plain"]:  # and not on the words between them
        assert _share_of_mark_colour(image, r, seen["dpr"]) < 0.02, r


def test_the_queue_is_worked_by_keyboard_and_the_database_follows(browser, site, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    texts = ["Нужен закладчик в Караганде, 25к в день, пиши @kar_job", "Ищем курьеров-кладменов, оплата сразу, анонимно",
             "Бухгалтер в ТОО «Есеп», оклад 320 000 тг, резюме на почту", "Продам детскую коляску, почти новая"]
    queued = [httpx.post(site.url + "/score?queue=true", json={"text": t}, timeout=30).json() for t in texts]
    by_id = {q["item_id"]: q for q in queued}

    browser.get(site.url + "/")
    browser.find_element(By.CSS_SELECTOR, "button[data-tab='queue']").click()
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue article.item")) >= 4)
    order = [int(a.get_attribute("data-item-id")) for a in browser.find_elements(By.CSS_SELECTOR, "#queue article.item")]
    order = [i for i in order if i in by_id]
    assert [by_id[i]["score"] for i in order] == sorted((q["score"] for q in queued), reverse=True)
    says = {i: "not_bait" if by_id[i]["risk"] == "low" else "bait" for i in order}
    opposite = {"bait": "not_bait", "not_bait": "bait"}
    first = browser.find_element(By.ID, f"item-{order[0]}")
    assert "selected" in first.get_attribute("class")
    first_text = texts[[q["item_id"] for q in queued].index(order[0])]
    marks = first.find_elements(By.CSS_SELECTOR, "mark.reason")  # the stored text, highlighted in the queue too
    assert sorted((int(m.get_attribute("data-start")), int(m.get_attribute("data-end")), m.get_attribute("textContent"))
                  for m in marks) == sorted((r["start"], r["end"], r["text"]) for r in by_id[order[0]]["reasons"])
    assert first.find_element(By.CSS_SELECTOR, ".adtext").get_attribute("textContent") == first_text

    def press(key: str):
        ActionChains(browser).send_keys(key).perform()

    def status_is(item_id: int, status: str):
        _wait(browser, lambda d: d.find_element(By.ID, f"item-{item_id}").get_attribute("data-status") == status)

    press("c")  # confirm the model on the first (highest) item; the selection moves on
    status_is(order[0], says[order[0]])
    press("o")  # overturn the model on the second
    status_is(order[1], opposite[says[order[1]]])
    press("u")  # unsure on the third
    status_is(order[2], "unsure")
    press("k")  # back to the third, and retract its verdict
    press("z")
    status_is(order[2], "pending")
    press("j")  # on to the fourth: not bait
    press("n")
    status_is(order[3], "not_bait")
    _wait(browser, lambda d: "selected" in d.find_element(By.ID, f"item-{order[3]}").get_attribute("class"))
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-count='pending']").text == "1")  # counts follow
    browser.save_screenshot(str(tmp_path / "queue.png"))

    engine = create_engine(f"sqlite:///{site.db}")
    with engine.connect() as c:
        status = dict(c.execute(select(Item.id, Item.status).where(Item.id.in_(order))).all())
        verdicts = c.execute(select(Verdict.item_id, Verdict.verdict, Verdict.retracted_at)
                             .where(Verdict.item_id.in_(order)).order_by(Verdict.id)).all()
        actions = c.execute(select(AuditEvent.action).where(AuditEvent.item_id.in_(order), AuditEvent.action != "queued")
                            .order_by(AuditEvent.id)).scalars().all()
    engine.dispose()
    assert status == {order[0]: says[order[0]], order[1]: opposite[says[order[1]]], order[2]: "pending",
                      order[3]: "not_bait"}
    assert [(v.item_id, v.verdict, v.retracted_at is not None) for v in verdicts] == [
        (order[0], says[order[0]], False), (order[1], opposite[says[order[1]]], False),
        (order[2], "unsure", True), (order[3], "not_bait", False)]
    assert actions == ["verdict", "verdict", "verdict", "retract", "verdict"]


# In one tick: a counts refresh is sent, a verdict is stored behind the page's back (a synchronous request), and a
# second refresh is asked for while the first is still in flight, as when a moderator types faster than the
# server answers.
BURST_JS = """
const done = arguments[arguments.length - 1];
const sent = [];
document.body.addEventListener('htmx:beforeRequest', (e) => { if (e.detail.elt.id === 'counts') sent.push(Date.now()); });
htmx.trigger(document.body, 'verdict-changed');
const xhr = new XMLHttpRequest();
xhr.open('POST', 'ui/items/' + arguments[0] + '/verdict', false);
xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
xhr.send('verdict=bait');
htmx.trigger(document.body, 'verdict-changed');
setTimeout(() => done(sent.length), 3000);
"""


def _counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">(\d+)<', html))


def test_the_counts_follow_the_last_verdict_when_refreshes_overlap(browser, site):
    from selenium.webdriver.common.by import By

    item = httpx.post(site.url + "/score?queue=true", json={"text": "Работа курьером, 40к в неделю, пиши в лс"},
                      timeout=30).json()["item_id"]
    browser.get(site.url + "/")
    browser.find_element(By.CSS_SELECTOR, "button[data-tab='queue']").click()
    _wait(browser, lambda d: d.find_elements(By.ID, f"item-{item}") and not {"htmx-added", "htmx-settling"}
          & set(d.find_element(By.ID, "counts").get_attribute("class").split()))  # htmx has set up its trigger
    browser.set_script_timeout(30)
    sent = browser.execute_async_script(BURST_JS, item)
    truth = _counts(httpx.get(site.url + "/ui/counts", timeout=30).text)
    shown = _counts(browser.find_element(By.ID, "counts").get_attribute("innerHTML"))
    assert sent == 2, "the second refresh was never sent"
    assert shown == truth and truth


def test_the_model_card_tab(browser, site, scorer):
    from selenium.webdriver.common.by import By

    browser.get(site.url + "/")
    browser.find_element(By.CSS_SELECTOR, "button[data-tab='model']").click()
    heading = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#card h2"))
    assert scorer.version in heading.text
    assert "ROC-AUC" in browser.find_element(By.ID, "card").text


def test_a_refused_verdict_is_shown_as_an_error_not_as_given(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    item = httpx.post(site.url + "/score?queue=true", json={"text": "Курьер-минёр, 50к в неделю, лс"},
                      timeout=30).json()["item_id"]
    browser.get(site.url + "/")
    browser.find_element(By.CSS_SELECTOR, "button[data-tab='queue']").click()
    _wait(browser, lambda d: d.find_elements(By.ID, f"item-{item}"))
    article = browser.find_element(By.ID, f"item-{item}")
    browser.execute_script("arguments[0].click(); arguments[0].dataset.itemId = '987654';", article)  # no such item
    ActionChains(browser).send_keys("n").perform()
    _wait(browser, lambda d: d.find_element(By.ID, "status").text.startswith("404"))
    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("class") == "error" and "not bait" not in status.text
    assert "selected" in browser.find_element(By.ID, f"item-{item}").get_attribute("class")  # it stays put
