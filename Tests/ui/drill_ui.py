#!/usr/bin/env python3
"""A drill in a real browser: a short hand-written night is replayed into an exercise store (`sieve drill run`),
a moderator decides through the CLI, `sieve drill report` writes the after-action report, and headless Chromium
checks that the report renders (heading, the two SVG charts drawn with a size, the wrong decision listed) with no
serious or critical axe-core violation; `sieve serve` on the exercise store shows the exercise banner on the login
page and a notice instead of the public page. Exit 77 (skip) without the browser stack.

    drill_ui.py --sieve .build/debug/sieve [--shots DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moderation_ui as ui  # noqa: E402

SCENARIO = """
[scenario]
name = "browser-night"
title = "瀏覽器測試之夜"
kind = "typhoon"
start = "2025-07-06T18:00:00+08:00"
duration = "20m"

[[event]]
id = "closure-yunlin"
at = "+0:01"
kind = "closure"
county = "雲林縣"
text = "明天照常上班、照常上課。"

[[event]]
id = "report-1"
at = "+0:03"
channel = "ptt"
text = "安南區海佃路一段淹水及腰，有位阿嬤受困在一樓，請求救援"
truth = "report"
expect = "escalate"

[[event]]
id = "report-2"
at = "+0:05"
channel = "facebook"
text = "新營區民治路的電線桿被強風吹倒，整條路不能通行"
truth = "report"

[[event]]
id = "rumour-1"
at = "+0:07"
channel = "ptt"
text = "網傳雲林縣明天停班停課！大家不用去上班了"
truth = "rumour"
note = "雲林縣公告明天照常上班上課。"
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve", required=True)
    ap.add_argument("--shots")
    args = ap.parse_args()
    chromium = ui.find("chromium", "chromium-browser", "google-chrome")
    driver_path = ui.find("chromedriver")
    if not chromium or not driver_path:
        ui.skip("headless Chromium is not installed (`make ui-env` installs it as root)")
    try:
        from selenium.webdriver.common.by import By
        from axe_core_python.selenium import Axe
    except ImportError as e:
        ui.skip(f"{e.name} is not installed in this Python (`make ui-env` creates .venv-ui with selenium and axe-core-python)")

    sieve = os.path.abspath(args.sieve)
    work = tempfile.mkdtemp(prefix="sieve-drill-ui-")
    store = os.path.join(work, "exercise.sqlite")
    scenario = os.path.join(work, "browser-night.toml")
    open(scenario, "w", encoding="utf-8").write(SCENARIO)
    port = ui.free_port()
    cfg = os.path.join(work, "sieve.toml")
    open(cfg, "w", encoding="utf-8").write(f'database = "{store}"\n[server]\nport = {port}\nsecure_cookies = false\nbcrypt_cost = 4\n')
    checks = 0
    r = ui.run([sieve, "drill", "run", scenario, "--database", store, "--speed", "600", "--config", os.path.join(work, "none.toml"), "--json"], cwd=work)
    if r.returncode != 0:
        sys.exit(f"sieve drill run failed: {r.stdout} {r.stderr}")
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["arrived"] == summary["events"] == 4, summary
    checks += 1
    items = json.loads(ui.run([sieve, "queue", "--json", "--config", cfg], cwd=work).stdout)
    items = items["items"] if isinstance(items, dict) else items
    decisions = [("安南區海佃路", "escalate"), ("新營區民治路", "approve"), ("網傳雲林縣", "approve")]  # the last is wrong
    for words, decision in decisions:
        post = next(i["id"] for i in items if words in i["text"])
        r = ui.run([sieve, "review", str(post), decision, "--actor", "amy", "--config", cfg], cwd=work)
        assert r.returncode == 0, r.stderr
    html = os.path.join(work, "report.html")
    r = ui.run([sieve, "drill", "report", "--database", store, "--html", html, "--json"], cwd=work)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["team"]["decisions"] == 3 and report["team"]["correct"] == 2 and report["team"]["rumoursPassed"] == 1, report["team"]
    checks += 1
    r = ui.run([sieve, "user", "add", "mod", "--role", "moderator", "--config", cfg], input=ui.PASSWORD + "\n", cwd=work)
    assert r.returncode == 0, r.stderr
    server = subprocess.Popen([sieve, "serve", "--config", cfg, "--no-scheduler"], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    driver = None
    failures = 0
    try:
        driver = ui.chrome(chromium, driver_path)
        axe = Axe()

        def audit(name):
            nonlocal failures
            failures += len(ui.axe_serious(axe, driver, name))

        # 1. The after-action report renders: heading, charts with a size, the wrong decision listed.
        driver.get("file://" + html)
        assert "演習檢討報告" in driver.find_element(By.TAG_NAME, "h1").text
        charts = driver.find_elements(By.TAG_NAME, "svg")
        assert len(charts) == 2 and all(c.size["width"] > 300 and c.size["height"] > 20 for c in charts), [c.size for c in charts]
        wrong = driver.find_elements(By.CSS_SELECTOR, "tr.wrong")
        assert len(wrong) == 1 and "謠言" in wrong[0].text and "核准" in wrong[0].text, [w.text for w in wrong]
        assert driver.find_element(By.CSS_SELECTOR, ".banner").is_displayed()
        audit("report")
        checks += 1
        if args.shots:
            os.makedirs(args.shots, exist_ok=True)
            driver.set_window_size(1366, 2000)
            driver.save_screenshot(os.path.join(args.shots, "drill-report.png"))
            driver.set_window_size(1366, 768)

        # 2. The web app on the exercise store: the banner on the login page, a notice instead of the public page.
        assert ui.wait_up(base), "sieve serve did not come up"
        driver.get(base + "/login")
        banner = driver.find_element(By.CSS_SELECTOR, ".exercise-banner")
        assert banner.is_displayed() and "【演習】" in banner.text and "browser-night" in banner.text, banner.text
        # Styled from the stylesheet (the CSP allows no inline style): the exercise colour really shows.
        assert banner.value_of_css_property("background-color") == "rgba(106, 27, 154, 1)", banner.value_of_css_property("background-color")
        audit("login (exercise)")
        checks += 1
        if args.shots:
            driver.save_screenshot(os.path.join(args.shots, "drill-login.png"))
        driver.get(base + "/public")
        assert "公開頁面不顯示演習內容" in driver.page_source and "安南區" not in driver.page_source
        checks += 1
        print(f"drill-ui: {checks} passed, {failures} serious or critical axe violations")
        sys.exit(1 if failures else 0)
    finally:
        ui.stop(server, work, driver)

if __name__ == "__main__":
    main()
