#!/usr/bin/env python3
"""A real browser against a real `sieve serve`: headless Chromium (Debian's chromium + chromium-driver) driven by
selenium logs in, filters the queue, approves an item with the keyboard and finds it in the published feed.

    moderation_ui.py --sieve .build/debug/sieve [--shots DIR]

Exit 0: passed; 77: skipped (the reason is printed: no chromium, chromedriver or selenium); anything else: failed.
With --shots, PNG screenshots of the queue, an item, the dashboard, the map (laptop; one county on a phone) and the public
page on a phone (plain, large text, Vietnamese) are saved into DIR.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "typhoon-night-2026"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def find(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(work, port):
    """The demo world (Corpus/demo) with absolute file: URLs, a database and feed in `work`."""
    demo = open(os.path.join(ROOT, "sieve.demo.toml"), encoding="utf-8").read()
    demo = re.sub(r'url = "file:(?!/)([^"]+)"', lambda m: f'url = "file:{os.path.join(ROOT, m.group(1))}"', demo)
    demo = re.sub(r'^database = .*$', f'database = "{os.path.join(work, "ui.sqlite")}"', demo, flags=re.M)
    demo = re.sub(r'path = "public/', f'path = "{work}/public/', demo)
    # The demo already has a [server] table (secure_cookies = false); drop it and write ours before the arrays of
    # tables (a TOML table cannot be defined twice).
    demo = re.sub(r'^\[server\]\n(?:[^\[\n][^\n]*\n|\n)*', '', demo, flags=re.M)
    server = f'\n[server]\nport = {port}\nsecure_cookies = false\nbcrypt_cost = 4\nmap_boundaries = "{boundaries_file(work)}"\n'
    first = demo.index("[[")
    cfg = demo[:first] + server + "\n" + demo[first:]
    path = os.path.join(work, "sieve.toml")
    open(path, "w", encoding="utf-8").write(cfg)
    return path


def boundaries_file(work):
    """The national township boundaries when `make boundaries` fetched them; else a few squares written here, at
    roughly the places of the demo's reports, so the map page is drawn either way."""
    real = os.path.join(ROOT, "data", "boundaries", "towns.json")
    if os.path.exists(real):
        return real
    squares = [("新北市", "汐止區", 121.60, 25.03), ("新北市", "瑞芳區", 121.68, 25.03), ("新北市", "新店區", 121.50, 24.90),
               ("新北市", "烏來區", 121.50, 24.80), ("高雄市", "那瑪夏區", 120.65, 23.20), ("宜蘭縣", "冬山鄉", 121.70, 24.60)]
    features = [{"type": "Feature", "properties": {"COUNTYNAME": c, "TOWNNAME": t},
                 "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.08, y], [x + 0.08, y + 0.08], [x, y + 0.08], [x, y]]]}}
                for c, t, x, y in squares]
    path = os.path.join(work, "towns-fixture.geojson")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False)
    return path


def chrome(chromium, driver_path, window="1366,768"):
    """Headless Chromium through chromedriver; a browser that does not start is a skip, not a product failure."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={window}", "--lang=zh-TW"):
        options.add_argument(a)
    # The app follows Accept-Language (Chinese or English): a Taiwanese moderator's browser.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-TW,zh"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as e:
        skip(f"Chromium did not start: {str(e).splitlines()[0]}")


def wait_up(base, tries=100):
    """True once `sieve serve` answers /healthz."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return True
        except OSError:
            time.sleep(0.1)
    return False


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_serious(axe, driver, name):
    """Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page; prints and returns the serious or critical violations."""
    result = axe.run(driver, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    by_impact = {}
    for v in result["violations"]:
        by_impact[v.get("impact") or "none"] = by_impact.get(v.get("impact") or "none", 0) + 1
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    print(f"axe {name}: {len(result['passes'])} rules passed, violations {by_impact}")
    for v in bad:
        node = v["nodes"][0]
        summary = node.get("failureSummary") or ""
        print(f"  {v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])} elements), e.g. {node['target']}: "
              f"{summary.splitlines()[-1] if summary else ''}")
    return bad


def stop(server, work, driver=None):
    """Quits the browser, stops `sieve serve`, removes the scratch folder."""
    if driver:
        driver.quit()
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(work, ignore_errors=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve", required=True)
    ap.add_argument("--shots")
    args = ap.parse_args()

    chromium = find("chromium", "chromium-browser", "google-chrome")
    driver_path = find("chromedriver")
    if not chromium or not driver_path:
        skip("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver; `make ui-env` does it as root)")
    try:
        from selenium import webdriver
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import Select, WebDriverWait
    except ImportError:
        skip("selenium is not installed in this Python (`make ui-env` creates .venv-ui with it)")

    sieve = os.path.abspath(args.sieve)
    work = tempfile.mkdtemp(prefix="sieve-ui-")
    port = free_port()
    cfg = write_config(work, port)
    r = run([sieve, "run", "--config", cfg], cwd=work)
    if r.returncode not in (0, 1):
        print(r.stdout, r.stderr)
        sys.exit("sieve run failed")
    r = run([sieve, "user", "add", "mod", "--role", "moderator", "--config", cfg], input=PASSWORD + "\n", cwd=work)
    if r.returncode != 0:
        sys.exit(f"sieve user add failed: {r.stderr}")

    # The publisher runs inside `sieve serve` (every second here, so the test need not wait 10 s); no scheduler,
    # so the page shows only what this script put there.
    server = subprocess.Popen([sieve, "serve", "--config", cfg, "--publish-every", "1", "--no-scheduler"], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    checks = 0
    driver = None
    try:
        for _ in range(100):
            try:
                if urllib.request.urlopen(base + "/healthz", timeout=1).read() == b"ok\n":
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("sieve serve did not come up: " + server.stdout.read1().decode(errors="replace"))

        driver = chrome(chromium, driver_path, window="1400,1000")
        wait = WebDriverWait(driver, 10)

        # 1. Log in.
        driver.get(base + "/")
        assert "/login" in driver.current_url, driver.current_url
        driver.find_element(By.NAME, "name").send_keys("mod")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.queue"))
        assert "審核佇列" in driver.page_source
        checks += 1
        if args.shots:
            os.makedirs(args.shots, exist_ok=True)
            driver.save_screenshot(os.path.join(args.shots, "queue.png"))

        # 2. Filter: county 新北市 through the form, then a search through the "/" shortcut.
        Select(driver.find_element(By.NAME, "county")).select_by_value("新北市")
        driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        wait.until(lambda d: "county=" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.item")
        assert rows, "no 新北市 rows"
        assert all("新北市" in r.text for r in rows), [r.text for r in rows]
        checks += 1
        driver.get(base + "/")
        driver.find_element(By.TAG_NAME, "body").send_keys("/")
        active = driver.switch_to.active_element
        assert active.get_attribute("id") == "q", "'/' did not focus the search box"
        active.send_keys("汐止" + Keys.ENTER)
        wait.until(lambda d: "q=" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.item")
        assert rows and all("汐止" in r.text for r in rows), [r.text for r in rows]
        checks += 1

        # 3. Approve the first row with the keyboard: j selects it, a approves it.
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("j")
        selected = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.sel"))[0]
        item_id = selected.get_attribute("data-id")
        body.send_keys("a")
        wait.until(lambda d: "done" in d.find_element(By.CSS_SELECTOR, f'tr[data-id="{item_id}"]').get_attribute("class"))
        toast = driver.find_element(By.ID, "toast")
        assert "已核准" in toast.text, toast.text
        checks += 1

        # 4. The item is in the published feed: delivered by the publisher service of `sieve serve`, served by the
        # app, and in the file the file channel writes.
        deadline = time.time() + 20
        while True:
            driver.get(base + "/feeds/community.atom")
            if f"tag:sieve.local,2026:post/{item_id}" in driver.page_source or time.time() > deadline:
                break
            time.sleep(0.5)
        assert f"tag:sieve.local,2026:post/{item_id}" in driver.page_source
        r = run([sieve, "publish", "--config", cfg], cwd=work)
        assert r.returncode == 0, r.stdout + r.stderr
        feed = open(os.path.join(work, "public", "community.atom"), encoding="utf-8").read()
        assert f"tag:sieve.local,2026:post/{item_id}" in feed
        checks += 1

        # 5. The public page shows it, and "near me" sorts by distance on the device: the browser's position is
        # emulated (DevTools) near 汐止 and geolocation granted; nothing about it reaches the server.
        driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["geolocation"]})
        driver.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": 25.0700, "longitude": 121.6500, "accuracy": 50})
        driver.get(base + "/public")
        button = driver.find_element(By.ID, "near-me")
        assert button.is_displayed(), "near-me button hidden"
        button.click()
        # (The page speaks the browser's language — headless Chromium asks for English — so compare with what the
        # page itself says it will say.)
        done = driver.find_element(By.ID, "near").get_attribute("data-done")
        wait.until(lambda d: d.find_element(By.ID, "near-status").text == done)
        dist = driver.find_element(By.CSS_SELECTOR, "article.item .dist").text
        m = re.search(r"([0-9]+(?:\.[0-9])?)", dist)
        assert m and float(m.group(1)) < 2.0, dist  # 25.0630,121.6590 (the matched EMIC report) is ~1.2 km away
        checks += 1

        # 7. The map: a bubble opens the queue filtered to its place; the form zooms into a county (no script needed).
        driver.set_window_size(1366, 768)
        driver.get(base + "/map?window=168h&end=2026-09-15T08:00")
        bubbles = driver.find_elements(By.CSS_SELECTOR, "svg.sitmap .bubbles a")
        assert bubbles, "no report bubbles on the map"
        shaded = driver.find_elements(By.CSS_SELECTOR, "svg.sitmap path.t.s1, svg.sitmap path.t.s2, svg.sitmap path.t.s3")
        assert shaded, "no shaded township"
        if args.shots:
            driver.save_screenshot(os.path.join(args.shots, "map.png"))
        # A bubble of several counties zooms the map instead; click one that opens the queue.
        to_queue = [b for b in bubbles if (b.get_dom_attribute("href") or "").startswith("/?")]
        assert to_queue, "no bubble opens the queue"
        to_queue[0].find_element(By.CSS_SELECTOR, "circle").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.queue"))
        assert "county=" in driver.current_url, driver.current_url
        assert driver.find_elements(By.CSS_SELECTOR, "tr.item"), "the queue opened from the map is empty"
        driver.get(base + "/map?window=168h&end=2026-09-15T08:00")
        Select(driver.find_element(By.NAME, "county")).select_by_value("新北市")
        driver.find_element(By.CSS_SELECTOR, "form.mapform button[type=submit]").click()
        wait.until(lambda d: "county=" in d.current_url)
        assert driver.find_elements(By.CSS_SELECTOR, "svg.sitmap .names text"), "no township names in the county view"
        if args.shots:
            driver.set_window_size(360, 740)
            driver.save_screenshot(os.path.join(args.shots, "map-phone.png"))
        driver.set_window_size(1400, 1000)
        checks += 1

        if args.shots:
            driver.get(f"{base}/items/{item_id}")
            driver.save_screenshot(os.path.join(args.shots, "item.png"))
            driver.get(base + "/")
            first = driver.find_elements(By.CSS_SELECTOR, "tr.item a")
            if first:
                first[0].click()
                driver.save_screenshot(os.path.join(args.shots, "item.png"))
            driver.get(base + "/dashboard")
            driver.save_screenshot(os.path.join(args.shots, "dashboard.png"))
            driver.get(base + "/?lang=en")
            driver.save_screenshot(os.path.join(args.shots, "queue-en.png"))
            driver.get(base + "/?lang=zh-TW")
            # The public page as a phone shows it (360×740), plain and with large text + high contrast.
            driver.set_window_size(360, 740)
            driver.get(base + "/public")
            driver.save_screenshot(os.path.join(args.shots, "public-phone.png"))
            driver.get(base + "/public?text=large&contrast=high")
            driver.save_screenshot(os.path.join(args.shots, "public-phone-large.png"))
            driver.get(base + "/public?lang=vi")
            driver.save_screenshot(os.path.join(args.shots, "public-phone-vi.png"))
            driver.set_window_size(1400, 1000)
            print(f"screenshots in {args.shots}: queue.png queue-en.png item.png dashboard.png map.png map-phone.png public-phone.png public-phone-large.png public-phone-vi.png")
        print(f"ui: {checks} passed, 0 failed")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
