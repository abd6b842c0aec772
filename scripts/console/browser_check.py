"""The web console in a real browser (Debian's headless Chromium through selenium).

Signs in with an organization's admin key, sees the overview and its chart, creates a key, uses it
on /v1/embed, sees the usage move, revokes it (through the confirmation page) and sees it refused.
Saves screenshots at 360 and 1440 px wide into RESULTS_DIR. Exits non-zero on the first failure.

Environment: BASE_URL (http://127.0.0.1:PORT), ADMIN_KEY (an admin key of ORG), ORG, RESULTS_DIR.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["BASE_URL"]
ADMIN_KEY = os.environ["ADMIN_KEY"]
ORG = os.environ["ORG"]
RESULTS = os.environ.get("RESULTS_DIR", "results/console")
os.makedirs(RESULTS, exist_ok=True)


def step(text):
    print(f"  - {text}", flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_for(driver, condition, message, seconds=10):
    """Waits for a condition on the page (a click's navigation may still be under way)."""
    try:
        WebDriverWait(driver, seconds).until(lambda d: condition(d))
    except Exception:
        raise AssertionError(message)


def embed(key):
    request = urllib.request.Request(f"{BASE}/v1/embed", data=json.dumps({"texts": ["browser check one", "browser check two"]}).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def embeddings_used(driver):
    text = driver.find_element(By.ID, "quota-text").text  # "Embeddings: 12 of 20,000 (0 %)"
    match = re.search(r"Embeddings: ([\d,]+) of", text)
    check(match, f"no usage figure in {text!r}")
    return int(match.group(1).replace(",", ""))


def shoot(driver, name, width):
    driver.set_window_size(width, 900)
    # The whole page: as tall as its content.
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(max(height + 120, 600), 4000))
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px")
    path = os.path.join(RESULTS, f"{name}-{width}.png")
    driver.save_screenshot(path)
    step(f"screenshot {path}")
    driver.set_window_size(1440, 900)


def main():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,900"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)
    try:
        driver.get(f"{BASE}/console")
        check(driver.current_url.endswith("/console/sign-in"), f"not sent to sign in: {driver.current_url}")
        shoot(driver, "sign-in", 360)
        field = driver.find_element(By.ID, "credential")
        check(field.get_attribute("type") == "password", "the key field is not a password field")
        field.send_keys(ADMIN_KEY)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait_for(driver, lambda d: d.current_url.endswith(f"/console/orgs/{ORG}"), f"not on the overview: {driver.current_url}")
        check(ADMIN_KEY not in driver.current_url and ADMIN_KEY not in driver.page_source, "the key is echoed")
        step("signed in with an admin key")

        bars = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
        check(len(bars) == 30, f"the chart has {len(bars)} bars, not 30")
        check(driver.find_element(By.CSS_SELECTOR, "svg.chart").size["width"] > 300, "the chart is not drawn wide")
        before = embeddings_used(driver)
        step(f"overview: chart of 30 days, {before} embeddings this month")
        shoot(driver, "overview-before", 1440)

        driver.find_element(By.LINK_TEXT, "Keys").click()
        wait_for(driver, lambda d: d.current_url.endswith("/keys"), "the Keys link did not open the keys page")
        driver.find_element(By.ID, "name").send_keys("browser-check")
        driver.find_element(By.CSS_SELECTOR, "input[name=role][value=embed]").click()
        driver.find_element(By.CSS_SELECTOR, "form[action$='/keys'] button[type=submit]").click()
        secret = driver.find_element(By.ID, "new-key").get_attribute("value")
        check(secret.startswith("sk_") and len(secret) == 46, f"no new key shown: {secret!r}")
        copy = driver.find_element(By.CSS_SELECTOR, "button.copy-button")
        check(copy.is_displayed(), "the copy button is not shown with JavaScript on")
        step("created a key; it is shown once, with a copy button")
        shoot(driver, "key-created", 1440)
        shoot(driver, "key-created", 360)

        check(embed(secret) == 200, "the new key is refused on /v1/embed")
        driver.get(f"{BASE}/console/orgs/{ORG}")
        after = embeddings_used(driver)
        check(after == before + 2, f"usage did not move by 2: {before} -> {after}")
        step(f"used it on /v1/embed: usage moved {before} -> {after}")
        shoot(driver, "overview", 1440)
        shoot(driver, "overview", 360)

        driver.get(f"{BASE}/console/orgs/{ORG}/keys")
        check(secret not in driver.page_source, "the key is shown again")
        driver.find_element(By.CSS_SELECTOR, "a[aria-label='Revoke browser-check']").click()
        wait_for(driver, lambda d: "Revoke key" in d.find_element(By.TAG_NAME, "h1").text, "no confirmation step")
        shoot(driver, "revoke-confirm", 360)
        check(embed(secret) == 200, "the confirmation page revoked the key already")
        driver.find_element(By.CSS_SELECTOR, "button.danger").click()
        wait_for(driver, lambda d: "is revoked" in d.page_source, "no revocation message")
        check(embed(secret) == 401, "the revoked key still works")
        step("revoked it after the confirmation page; /v1/embed refuses it (401)")

        # Keyboard: the first Tab reaches the skip link, and focus is visible (an outline is drawn).
        driver.find_element(By.TAG_NAME, "body").send_keys("\ue004")
        outline = driver.execute_script("var e = document.activeElement; return [e.className, getComputedStyle(e).outlineStyle]")
        check(outline[0] == "skip" and outline[1] != "none", f"keyboard focus: {outline}")
        step("keyboard: Tab reaches the skip link, with a visible focus outline")

        driver.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
        wait_for(driver, lambda d: d.current_url.endswith("/console/sign-in"), "sign-out did not end on the sign-in page")
        driver.get(f"{BASE}/console/orgs/{ORG}")
        check(driver.current_url.endswith("/console/sign-in"), "the session outlived sign-out")
        step("signed out; the pages ask to sign in again")
    except Exception:
        driver.save_screenshot(os.path.join(RESULTS, "failure.png"))
        print(f"page at failure: {driver.current_url}\n{driver.page_source[:3000]}", file=sys.stderr)
        raise
    finally:
        driver.quit()
    print("console browser check: passed")


if __name__ == "__main__":
    main()
