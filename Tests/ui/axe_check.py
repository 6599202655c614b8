#!/usr/bin/env python3
"""WCAG 2.1 A/AA checks with axe-core (PyPI's axe-core-python, which bundles axe.min.js) in headless Chromium, on a
real `sieve serve` over the demo world: the public page (plain, large text + high contrast, one county, Vietnamese, Thai), the login
page, the queue, an item page, the dashboard, the map (whole country and one county), the queue and an item in English.

    axe_check.py --sieve .build/debug/sieve

Prints one line per page (violations by impact) and every serious or critical violation with its rule, help text and
first offending element. Exit 0: no serious or critical violation; 77: skipped (the reason is printed); 1: found.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moderation_ui as ui  # noqa: E402  (config writer and helpers shared with the browser test)

PAGES = [
    ("public", "/public", False),
    ("public large+contrast", "/public?text=large&contrast=high", False),
    ("public county", "/public?county=%E6%96%B0%E5%8C%97%E5%B8%82", False),
    ("public vi", "/public?lang=vi", False),
    ("public th", "/public?lang=th&text=large", False),
    ("login", "/login", False),
    ("tip form", "/tip", False),
    ("tip form en", "/tip?lang=en", False),
    ("queue", "/", True),
    ("item", "/items/{item}", True),
    ("dashboard", "/dashboard", True),
    ("map", "/map?window=168h&end=2026-09-15T08:00", True),
    ("map county", "/map?end=2026-09-15T08:00&county=%E6%96%B0%E5%8C%97%E5%B8%82", True),
    ("queue en", "/?lang=en", True),
    ("item en", "/items/{item}?lang=en", True),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve", required=True)
    args = ap.parse_args()
    chromium = ui.find("chromium", "chromium-browser", "google-chrome")
    driver_path = ui.find("chromedriver")
    if not chromium or not driver_path:
        ui.skip("headless Chromium is not installed (`make ui-env` installs it as root)")
    try:
        from selenium import webdriver
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait
        from axe_core_python.selenium import Axe
    except ImportError as e:
        ui.skip(f"{e.name} is not installed in this Python (`make ui-env` creates .venv-ui with selenium and axe-core-python)")

    import tempfile
    sieve = os.path.abspath(args.sieve)
    work = tempfile.mkdtemp(prefix="sieve-axe-")
    port = ui.free_port()
    cfg = ui.write_config(work, port)
    # The tipline's web form (`/tip`) too.
    open(os.path.join(work, "salt"), "w").write("axe-salt\n")
    with open(cfg, "a", encoding="utf-8") as f:
        f.write(f'\n[tipline]\nweb_form = true\nsalt_file = "{os.path.join(work, "salt")}"\n')
    r = ui.run([sieve, "run", "--config", cfg], cwd=work)
    if r.returncode not in (0, 1):
        sys.exit(f"sieve run failed: {r.stderr}")
    r = ui.run([sieve, "user", "add", "mod", "--role", "moderator", "--config", cfg], input=ui.PASSWORD + "\n", cwd=work)
    if r.returncode != 0:
        sys.exit(f"sieve user add failed: {r.stderr}")
    queue = json.loads(ui.run([sieve, "queue", "--json", "--config", cfg], cwd=work).stdout)
    items = queue["items"] if isinstance(queue, dict) else queue
    ids = [i["id"] for i in items]
    # Something on the public page: two approvals and a retraction.
    for i in ids[:3]:
        ui.run([sieve, "review", str(i), "approve", "--note", "已確認", "--config", cfg], cwd=work)
    ui.run([sieve, "retract", str(ids[2]), "--note", "經查證為誤報", "--config", cfg], cwd=work)

    server = subprocess.Popen([sieve, "serve", "--config", cfg, "--no-scheduler"], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    driver = None
    failures = 0
    try:
        ui.wait_up(base)
        driver = ui.chrome(chromium, driver_path)
        axe = Axe()
        logged_in = False
        for name, path, needs_login in PAGES:
            if needs_login and not logged_in:
                driver.get(base + "/login")
                driver.find_element(By.NAME, "name").send_keys("mod")
                driver.find_element(By.NAME, "password").send_keys(ui.PASSWORD + Keys.ENTER)
                WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.queue"))
                logged_in = True
            driver.get(base + path.format(item=ids[0]))
            failures += len(ui.axe_serious(axe, driver, name))
        print(f"axe: {len(PAGES)} pages, {failures} serious or critical violations")
        sys.exit(1 if failures else 0)
    finally:
        ui.stop(server, work, driver)

if __name__ == "__main__":
    main()
