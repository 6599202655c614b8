#!/usr/bin/env python3
"""Single sign-on in a real browser: headless Chromium signs in to a real `sieve serve` through a real OpenID Connect
provider on another site (Tests/oidc/provider.py on 127.0.0.2, Sieve on 127.0.0.1: the provider sends the browser
back with a cross-site navigation, which is what SameSite cookies care about), lands in the queue signed in, signs
out, and is signed out.

    sso_ui.py --sieve .build/debug/sieve --provider-python .venv/bin/python

Exit 0: passed; 77: skipped (the reason is printed); anything else: failed.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_http(url, proc, what):
    # Generous: the provider imports flask, pydantic and authlib first, which took over 30 s under a parallel test run.
    deadline = time.time() + 150
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    sys.exit(f"{what} did not come up")


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read()
        return json.loads(text) if text else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve", required=True)
    ap.add_argument("--provider-python", required=True)
    args = ap.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        skip("headless Chromium is not installed (`make ui-env` installs it as root)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        skip("selenium is not installed in this Python (`make ui-env` creates .venv-ui with it)")
    if subprocess.run([args.provider_python, "-c", "import oidc_provider_mock"], capture_output=True).returncode != 0:
        skip(f"{args.provider_python} has no oidc-provider-mock (`make pyenv` installs it)")

    work = tempfile.mkdtemp(prefix="sieve-sso-ui-")
    sieve_port, idp_port = free_port("127.0.0.1"), free_port("127.0.0.2")
    base, issuer = f"http://127.0.0.1:{sieve_port}", f"http://127.0.0.2:{idp_port}"
    procs = []
    driver = None
    checks = 0
    try:
        idp = subprocess.Popen(
            [args.provider_python, os.path.join(ROOT, "Tests/oidc/provider.py"), "--host", "127.0.0.2", "--port", str(idp_port)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "provider.log"), "w"))
        procs.append(idp)
        wait_http(issuer + "/.well-known/openid-configuration", idp, "the OIDC provider")
        client = call("POST", issuer + "/oauth2/clients", {"redirect_uris": [base + "/auth/oidc/callback"]})
        call("PUT", issuer + "/users/u-77", {"preferred_username": "lin.eoc", "groups": ["eoc-staff"]})
        secret = os.path.join(work, "oidc-secret")
        open(secret, "w").write(client["client_secret"] + "\n")
        cfg = os.path.join(work, "sieve.toml")
        open(cfg, "w", encoding="utf-8").write(f'''database = "{os.path.join(work, "sso.sqlite")}"

[server]
port = {sieve_port}
secure_cookies = false

[oidc]
issuer = "{issuer}"
client_id = "{client["client_id"]}"
client_secret_file = "{secret}"
redirect_uri = "{base}/auth/oidc/callback"
allow_private = true

[oidc.roles]
eoc = ["eoc-staff"]
''')
        server = subprocess.Popen([os.path.abspath(args.sieve), "serve", "--config", cfg, "--no-scheduler"], cwd=work,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(server)
        wait_http(base + "/healthz", server, "sieve serve")

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-TW"):
            options.add_argument(a)
        # The app follows Accept-Language (Chinese or English): a Taiwanese moderator's browser.
        options.add_experimental_option("prefs", {"intl.accept_languages": "zh-TW,zh"})
        try:
            driver = webdriver.Chrome(service=Service(driver_path), options=options)
        except Exception as e:
            skip(f"Chromium did not start: {str(e).splitlines()[0]}")
        wait = WebDriverWait(driver, 15)

        # 1. Not signed in: the login page, with the single sign-on button beside the password form.
        driver.get(base + "/dashboard")
        assert "/login" in driver.current_url, driver.current_url
        button = driver.find_element(By.CSS_SELECTOR, "a.button.sso")
        checks += 1
        # 2. To the provider (another site), sign in there as u-77.
        button.click()
        wait.until(lambda d: d.current_url.startswith(issuer))
        field = driver.find_element(By.NAME, "sub")
        field.send_keys("u-77")
        field.submit()
        # 3. Back at Sieve, signed in, on the page asked for first — the session cookie is SameSite=Strict, and the
        # browser arrived from another site.
        wait.until(lambda d: d.current_url.startswith(base + "/dashboard"))
        wait.until(lambda d: "lin.eoc" in d.find_element(By.CSS_SELECTOR, "header.top .user").text)
        assert "EOC" in driver.find_element(By.CSS_SELECTOR, "header.top .who").text
        checks += 1
        # 4. Sign out: Sieve's session ends; the login page offers the provider's sign-out.
        driver.find_element(By.CSS_SELECTOR, "header.top form[action='/logout'] button").click()
        wait.until(lambda d: "signed_out=sso" in d.current_url)
        link = driver.find_element(By.PARTIAL_LINK_TEXT, "同時登出機關單一登入")
        assert link.get_attribute("href").startswith(issuer + "/oauth2/end_session?"), link.get_attribute("href")
        driver.get(base + "/dashboard")
        assert "/login" in driver.current_url, driver.current_url
        checks += 1
        print(f"sso-ui: {checks} passed, 0 failed")
    finally:
        if driver:
            driver.quit()
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
