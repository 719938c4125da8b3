"""Browser tests of the web console: Selenium drives Debian's headless chromium against a
running Hangar (deploy/console/test.sh starts one and sets the variables below).

HANGAR_CONSOLE_URL            intake's address, e.g. http://127.0.0.1:8080
HANGAR_CONSOLE_ADMIN_TOKEN    an admin token;  HANGAR_CONSOLE_VIEWER_TOKEN: a viewer token
HANGAR_CONSOLE_DEPLOYER_TOKEN a deployer token (a second person, for approvals)
HANGAR_SCREENSHOTS            where the screenshots go (printed at the end)
HANGAR_CONSOLE_MANAGEMENT_URL RabbitMQ's management API (guest:guest), e.g. http://127.0.0.1:15672
HANGAR_CONSOLE_VHOST          the virtual host that Hangar uses: the tests publish to hangar.commands there
HANGAR_CONSOLE_WORKER         the name of a running worker (deploy/services.sh names them worker-1, …)
The environment `web` must exist (simulated provider).
"""

import json
import os
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("HANGAR_CONSOLE_URL", "http://127.0.0.1:8080")
ADMIN = os.environ.get("HANGAR_CONSOLE_ADMIN_TOKEN", "dev-admin-token")
VIEWER = os.environ.get("HANGAR_CONSOLE_VIEWER_TOKEN", "dev-viewer-token")
DEPLOYER = os.environ.get("HANGAR_CONSOLE_DEPLOYER_TOKEN", "dev-deployer-token")
SHOTS = os.environ.get("HANGAR_SCREENSHOTS", os.path.join(os.getcwd(), ".hangar", "screenshots"))
MANAGEMENT = os.environ.get("HANGAR_CONSOLE_MANAGEMENT_URL", "http://127.0.0.1:15672")
VHOST = os.environ.get("HANGAR_CONSOLE_VHOST", "/")
WORKER = os.environ.get("HANGAR_CONSOLE_WORKER", "worker-1")
SAVED = []


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("HANGAR_CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--lang=en-US"):
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("HANGAR_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


class ConsoleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.driver = make_driver()
        cls.wait = WebDriverWait(cls.driver, 20, ignored_exceptions=(StaleElementReferenceException,))

    @classmethod
    def tearDownClass(cls):
        logs = []
        try:
            logs = cls.driver.get_log("browser")
        except Exception:  # not every driver keeps logs
            pass
        errors = [entry for entry in logs if entry.get("level") == "SEVERE"]
        for entry in errors:
            print("browser console:", entry.get("message"))
        cls.driver.quit()
        print("\nscreenshots:")
        for path in SAVED:
            print("  " + path)

    # Helpers

    def shot(self, name):
        path = os.path.join(SHOTS, f"{name}.png")
        time.sleep(0.3)  # let transitions settle
        self.driver.save_screenshot(path)
        SAVED.append(path)

    def sign_in(self, token):
        d = self.driver
        d.get(f"{BASE}/console/#/signin")
        d.execute_script("sessionStorage.clear();")
        d.refresh()
        field = self.wait.until(EC.element_to_be_clickable((By.ID, "token")))
        field.clear()
        field.send_keys(token)
        d.find_element(By.ID, "sign-in").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "environment-cards")))

    def go(self, hash_route, ready):
        self.driver.execute_script(f"location.hash = {hash_route!r};")
        return self.wait.until(EC.presence_of_element_located(ready))

    def confirm(self):
        button = self.wait.until(EC.element_to_be_clickable((By.ID, "confirm-ok")))
        button.click()
        self.wait.until(lambda d: not d.find_element(By.ID, "confirm").get_attribute("open"))

    def api(self, method, path, body=None, token=ADMIN):
        """Hangar's HTTP API: (status, JSON answer or None)."""
        request = urllib.request.Request(
            f"{BASE}{path}", data=None if body is None else json.dumps(body).encode(), method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None

    def publish(self, routing_key, properties, payload):
        """Publishes to hangar.commands through RabbitMQ's management API (as another
        publisher would, bypassing intake's checks)."""
        vhost = urllib.parse.quote(VHOST, safe="")
        request = urllib.request.Request(
            f"{MANAGEMENT}/api/exchanges/{vhost}/hangar.commands/publish", method="POST",
            data=json.dumps({"routing_key": routing_key, "properties": properties, "payload": payload,
                             "payload_encoding": "string"}).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="})  # guest:guest, loopback only
        with urllib.request.urlopen(request) as response:
            self.assertTrue(json.load(response).get("routed"), f"{routing_key} was not routed to any queue")

    def worker_status(self, name, at, stopping=False):
        """A worker.status as a worker sends it (HangarJSON: RFC 3339 with milliseconds)."""
        self.publish("worker.status", {"type": "worker.status", "content_type": "application/json"}, json.dumps({
            "name": name, "concurrency": 2, "running": [], "stopping": stopping,
            "at": at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")}))

    def row_status(self, deployment_id):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{deployment_id}"]').get_attribute("data-status")
        except Exception:
            return None

    def newest_row(self, exclude=()):
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#history-rows tr")
        for row in rows:
            try:
                if row.get_attribute("data-id") not in exclude:
                    return row.get_attribute("data-id")
            except StaleElementReferenceException:
                continue
        return None

    # Tests, in order

    def test_1_sign_in_and_environments(self):
        d = self.driver
        d.get(f"{BASE}/console/")
        d.execute_script("sessionStorage.clear(); location.hash = '#/signin';")
        self.wait.until(EC.element_to_be_clickable((By.ID, "token")))
        self.shot("01-sign-in")
        d.find_element(By.ID, "token").send_keys("not-a-token")
        d.find_element(By.ID, "sign-in").click()
        error = self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".signin .error")))
        self.assertIn("not valid", error.text)
        self.sign_in(ADMIN)
        card = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-environment="web"]')))
        self.wait.until(lambda _: "$" in card.find_element(By.CSS_SELECTOR, ".cost").text)
        # The simulated environment's group has its 2 instances running.
        self.wait.until(lambda _: card.find_element(By.CSS_SELECTOR, ".instances").text == "2 running")
        self.assertIn("activated", card.text)
        # A simulated environment says so where its name is shown.
        self.assertEqual(card.find_element(By.CSS_SELECTOR, "h2 .badge.simulated").text, "simulated")
        self.assertEqual(d.find_element(By.ID, "who-role").text, "admin")
        self.shot("02-environments")

    def test_2_publish_and_watch_live(self):
        d = self.driver
        self.go("#/environments/web", (By.ID, "deploy-publish"))
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "h1 .badge.simulated").text, "simulated")
        before = set(r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#history-rows tr"))
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "live")
        d.execute_script("window.__noReload = 'still here';")
        d.find_element(By.ID, "deploy-version").send_keys("ui-2.0")
        d.find_element(By.ID, "deploy-stopPreparationServer").click()
        d.find_element(By.ID, "deploy-lockInstances").click()
        d.find_element(By.ID, "deploy-emails").send_keys("ops@example.com")
        self.shot("03-deploy-form")
        d.find_element(By.ID, "deploy-publish").click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "confirm")))
        self.assertIn("ui-2.0", d.find_element(By.ID, "confirm-body").text)
        self.shot("04-publish-confirmation")
        self.confirm()
        deployment = WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.newest_row(before))
        WebDriverWait(d, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.row_status(deployment) == "running")
        self.shot("05-deployment-running")
        WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.row_status(deployment) == "succeeded")
        self.assertEqual(d.execute_script("return window.__noReload;"), "still here", "the page was reloaded")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-id="{deployment}"]')
        steps = row.find_elements(By.CSS_SELECTOR, ".step")
        self.assertEqual(len(steps), 6)
        for step in steps:
            self.assertRegex(step.get_attribute("class"), r"status-(succeeded|skipped)")
        self.assertIn("ui-2.0", row.text)
        self.shot("06-deployment-succeeded")
        self.__class__.succeeded = deployment

    def test_2b_deployment_from_elsewhere_appears_live(self):
        d = self.driver
        self.go("#/environments/web", (By.ID, "history-rows"))
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "live")
        d.execute_script("window.__noReload = 'still here';")
        # Submitted through the API by someone else: the page learns of it from its stream.
        request = urllib.request.Request(
            f"{BASE}/v1/environments/web/deployments", data=json.dumps({"version": "from-api"}).encode(), method="POST",
            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        deployment = json.load(urllib.request.urlopen(request))["id"]
        WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: self.row_status(deployment) == "succeeded")
        self.assertEqual(d.execute_script("return window.__noReload;"), "still here", "the page was reloaded")

    def test_2c_failed_step_shows_its_error(self):
        d = self.driver
        self.go("#/environments/flaky", (By.ID, "deploy-publish"))
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "live")
        d.find_element(By.ID, "deploy-version").send_keys("doomed")
        d.find_element(By.ID, "deploy-publish").click()
        self.confirm()
        WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: d.find_elements(By.CSS_SELECTOR, '#history-rows tr[data-status="failed"]'))
        d.find_element(By.CSS_SELECTOR, '#history-rows tr[data-status="failed"] a').click()
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "finished")
        step = (By.CSS_SELECTOR, 'details[data-step="create_models"]')
        self.assertIn("failed", d.find_element(*step).text)
        d.find_element(*step).find_element(By.TAG_NAME, "summary").click()
        self.wait.until(lambda _: "launch template quota exceeded" in d.find_element(*step).find_element(By.CSS_SELECTOR, ".error").text)
        self.assertIn("launch template quota exceeded", d.find_element(By.ID, "deployment-details").text)
        self.shot("09b-failed-deployment-details")

    def test_2d_frozen_deploy_form(self):
        d = self.driver
        now = datetime.now(timezone.utc)
        status, freeze = self.api("POST", "/v1/environments/web/freezes", {
            "reason": "quarter close", "start": (now - timedelta(minutes=1)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat()})
        self.assertEqual(status, 201, freeze)
        try:
            self.go("#/environments/web", (By.ID, "deploy-publish"))
            note = self.wait.until(EC.visibility_of_element_located((By.ID, "deploy-frozen")))
            self.assertIn("Frozen until", note.text)
            self.assertIn("quarter close", note.text)
            self.shot("05b-frozen-deploy-form")
            before = set(r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#history-rows tr"))
            # Refused without a reason, with the window named.
            d.find_element(By.ID, "deploy-publish").click()
            self.confirm()
            toast = self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#toasts .toast.bad")))
            self.assertIn("quarter close", toast.text)
            # An admin overrides it, saying why.
            d.find_element(By.ID, "deploy-override-reason").send_keys("security fix")
            d.find_element(By.ID, "deploy-publish").click()
            self.confirm()
            self.__class__.overridden = WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda _: self.newest_row(before))
        finally:
            self.api("DELETE", f"/v1/freezes/{freeze['id']}")

    def test_2e_roll_back_from_history(self):
        d = self.driver

        def idle(_):
            # A rollback waits for nothing: it is refused while a deployment of the environment
            # is queued or running. 2d's is checked by its id: the console shows it from the
            # live feed before the recorder (which holds a `running` up to 50 ms) has it in the
            # history page.
            status, page = self.api("GET", "/v1/environments/web/deployments?limit=20")
            if status != 200 or any(item["status"] in ("queued", "running") for item in page["items"]):
                return False
            overridden = getattr(self, "overridden", None)
            if overridden is None:
                return True
            status, details = self.api("GET", f"/v1/deployments/{overridden}")
            return status == 200 and details["status"] in ("succeeded", "failed", "cancelled", "rejected", "rolled_back")

        WebDriverWait(d, 60).until(idle)
        self.go("#/environments/web", (By.ID, "history-rows"))
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "live")
        before = set(r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#history-rows tr"))
        # ui-2.0, published in test 2; later releases ran since.
        target = self.succeeded
        button = self.wait.until(EC.element_to_be_clickable(
            (By.CSS_SELECTOR, f'tr[data-id="{target}"] button[data-action="rollback-to"]')))
        button.click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "confirm")))
        self.assertIn("ui-2.0", d.find_element(By.ID, "confirm-body").text)
        self.shot("06b-rollback-confirmation")
        self.confirm()
        rollback = WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.newest_row(before))
        WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: self.row_status(rollback) == "succeeded")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-id="{rollback}"]')
        self.assertEqual(row.get_attribute("data-kind"), "rollback")
        self.assertIn("ui-2.0", row.text)
        self.assertIn("rollback", row.text)
        self.shot("06c-rolled-back")
        # Every instance of the group runs the model the rollback returned to.
        status, details = self.api("GET", f"/v1/deployments/{rollback}")
        self.assertEqual(status, 200, details)
        self.assertEqual(details["kind"], "rollback")
        self.assertEqual(details["rollback"]["deploymentId"], target)
        model = details["outputs"]["mainModelVersion"]
        self.go("#/environments/web/servers", (By.ID, "instances"))
        self.wait.until(lambda _: [c.text for c in d.find_elements(By.CSS_SELECTOR, "#instances .model-version")] == [model, model])
        # The environment's own button: back to the release before the one running now (ui-2.0).
        self.go("#/environments/web", (By.ID, "rollback-environment")).click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "confirm")))
        self.assertIn("the release before the one running now", d.find_element(By.ID, "confirm-body").text)
        d.find_element(By.ID, "confirm-cancel").click()

    def test_2f_approve_as_a_second_user(self):
        """A deployment of an environment that requires approval waits on its details page; its
        owner cannot approve it (a different approver is required); a second user approves it
        with a comment and it goes on to succeed."""
        d = self.driver
        status, env = self.api("POST", "/v1/environments", {
            "name": "gated", "provider": "simulated", "target": {"stepDurationMs": 100},
            "approval": {"required": True, "approvers": ["lead@example.com"], "requireDifferentApprover": True,
                         "expiresAfterMinutes": 120}})
        self.assertEqual(status, 201, env)
        status, deployment = self.api("POST", "/v1/environments/gated/deployments", {"version": "gated-1.0"}, token=DEPLOYER)
        self.assertEqual(status, 202, deployment)
        path = f"/v1/deployments/{deployment['id']}"
        WebDriverWait(d, 30).until(lambda _: self.api("GET", path)[1]["status"] == "awaiting_approval")

        # Its owner sees the paused state, the approvers and the deadline, and cannot approve.
        self.sign_in(DEPLOYER)
        self.go(f"#/deployments/{deployment['id']}", (By.ID, "approval-note"))
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#detail-status .badge").get_attribute("data-status"), "awaiting_approval")
        self.assertIn("lead@example.com", d.find_element(By.ID, "detail-approval").text)
        self.assertIn("someone else must approve it", d.find_element(By.ID, "approval-note").text)
        approve = d.find_element(By.XPATH, "//button[normalize-space()='Approve']")
        self.assertFalse(approve.is_enabled(), "the owner's Approve is disabled")
        self.shot("06d-awaiting-approval")

        # A second user approves it, with a comment.
        self.sign_in(ADMIN)
        self.go(f"#/deployments/{deployment['id']}", (By.ID, "approval-note"))
        self.wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Approve']"))).click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "decision-comment"))).send_keys("checked on staging")
        self.confirm()
        WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: d.find_element(By.CSS_SELECTOR, "#detail-status .badge").get_attribute("data-status") == "succeeded")
        self.assertIn("approved by admin", d.find_element(By.ID, "detail-approval").text)
        self.assertIn("checked on staging", d.find_element(By.ID, "detail-approval").text)
        self.shot("06e-approved")
        status, details = self.api("GET", path)
        self.assertEqual(details["approval"]["decidedBy"], "admin")

    def test_2g_paused_health_gate(self):
        """A health gate that fails with onFailure pause: the details page shows the paused state
        and each batch's health figures, the servers page each instance's health; Roll back
        ends it rolled_back with every instance healthy again."""
        d = self.driver
        status, env = self.api("POST", "/v1/environments", {
            "name": "canary", "provider": "simulated",
            "target": {"stepDurationMs": 100, "instances": 4, "health": {"failAfterBatch": 1}},
            "replacement": {"batchPercent": 50, "onFailure": "pause"}})
        self.assertEqual(status, 201, env)
        status, deployment = self.api("POST", "/v1/environments/canary/deployments", {"version": "canary-1.0"})
        self.assertEqual(status, 202, deployment)
        path = f"/v1/deployments/{deployment['id']}"
        WebDriverWait(d, 30).until(lambda _: self.api("GET", path)[1]["status"] == "paused")

        self.go(f"#/deployments/{deployment['id']}", (By.ID, "pause-note"))
        self.assertIn("health gate failed after batch 2 of 2", d.find_element(By.ID, "detail-pause").text)
        step = d.find_element(By.CSS_SELECTOR, '[data-step="replace_instances"]')
        step.find_element(By.TAG_NAME, "summary").click()
        self.wait.until(lambda _: "2 of 2 replaced instances healthy (100 %" in step.text)
        self.assertIn("2 of 4 replaced instances healthy (50 %", step.text)
        self.shot("06f-paused-health-gate")

        self.go("#/environments/canary/servers", (By.ID, "instances"))
        self.wait.until(lambda _: sorted(c.text for c in d.find_elements(By.CSS_SELECTOR, "#instances .health"))
                        == ["healthy", "healthy", "unhealthy", "unhealthy"])
        self.shot("06g-instances-health")

        self.go(f"#/deployments/{deployment['id']}", (By.ID, "pause-note"))
        self.wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Roll back']"))).click()
        self.confirm()
        WebDriverWait(d, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: d.find_element(By.CSS_SELECTOR, "#detail-status .badge").get_attribute("data-status") == "rolled_back")
        self.assertIn("rolled back by admin", d.find_element(By.ID, "detail-pause").text)
        self.shot("06h-rolled-back-by-gate")

    def test_3_schedule_and_cancel(self):
        d = self.driver
        self.go("#/environments/web", (By.ID, "deploy-publish"))
        before = set(r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#history-rows tr"))
        Select(d.find_element(By.ID, "deploy-when")).select_by_value("schedule")
        self.assertTrue(d.find_element(By.ID, "deploy-date").is_displayed())
        d.find_element(By.ID, "deploy-version").send_keys("ui-later")
        d.find_element(By.ID, "deploy-publish").click()
        self.confirm()
        deployment = WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.newest_row(before))
        WebDriverWait(d, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.row_status(deployment) == "scheduled")
        self.shot("07-deployment-scheduled")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-id="{deployment}"]')
        row.find_element(By.XPATH, ".//button[normalize-space()='Cancel']").click()
        self.confirm()
        WebDriverWait(d, 20, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: self.row_status(deployment) == "cancelled")
        self.shot("08-deployment-cancelled")

    def test_3b_recurring_schedule(self):
        d = self.driver
        self.go("#/environments/web", (By.ID, "schedule-create"))
        cron = d.find_element(By.ID, "schedule-cron")
        cron.send_keys("0 3 * * SUN")
        zone = d.find_element(By.ID, "schedule-zone")
        zone.clear()
        zone.send_keys("Europe/Paris")
        d.find_element(By.ID, "schedule-version").send_keys("weekly-{date}")
        d.find_element(By.ID, "schedule-create").click()
        row = self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '#schedule-rows tr[data-state="active"]')))
        schedule = row.get_attribute("data-id")
        runs = row.find_elements(By.CSS_SELECTOR, ".next-runs li")
        self.assertEqual(len(runs), 3, row.text)
        self.assertIn("weekly-{date}", row.text)
        self.shot("08b-recurring-schedule")
        # A bad cron is refused with the field named.
        cron = d.find_element(By.ID, "schedule-cron")
        cron.send_keys("0 25 * * *")
        d.find_element(By.ID, "schedule-create").click()
        # (an earlier test's error may still show: wait for this one's)
        self.wait.until(lambda _: any("cron: hour" in t.text for t in d.find_elements(By.CSS_SELECTOR, "#toasts .toast.bad")))
        # Paused: no next runs; then deleted.
        d.find_element(By.CSS_SELECTOR, f'#schedule-rows tr[data-id="{schedule}"]').find_element(By.XPATH, ".//button[normalize-space()='Pause']").click()
        self.wait.until(lambda _: d.find_element(By.CSS_SELECTOR, f'#schedule-rows tr[data-id="{schedule}"]').get_attribute("data-state") == "paused")
        status, answer = self.api("GET", f"/v1/environments/web/schedules/{schedule}")
        self.assertEqual(status, 200, answer)
        self.assertFalse(answer["enabled"])
        self.assertEqual(answer["nextOccurrences"], [])
        d.find_element(By.CSS_SELECTOR, f'#schedule-rows tr[data-id="{schedule}"]').find_element(By.XPATH, ".//button[normalize-space()='Delete']").click()
        self.confirm()
        self.wait.until(lambda _: not d.find_elements(By.CSS_SELECTOR, f'#schedule-rows tr[data-id="{schedule}"]'))

    def test_4_details(self):
        d = self.driver
        deployment = getattr(self.__class__, "succeeded", None)
        if deployment is None:
            self.skipTest("no deployment from the publish test")
        self.go("#/environments/web", (By.ID, "history-rows"))
        # Rows are replaced as live events arrive: find the link afresh until the click lands.
        self.wait.until(lambda _: d.find_element(By.CSS_SELECTOR, f'tr[data-id="{deployment}"] a').click() or True)
        self.wait.until(lambda _: "succeeded" in d.find_element(By.ID, "detail-status").text)
        # The stream of a finished deployment sends its details once and ends: the page
        # re-renders once, then says "finished".
        self.wait.until(lambda _: d.find_element(By.ID, "live-status").text == "finished")
        page = d.find_element(By.ID, "deployment-details").text
        for label in ("Owner", "Model version", "Start", "End", "Total duration", "admin"):
            self.assertIn(label, page)
        step = (By.CSS_SELECTOR, 'details[data-step="create_image"]')
        d.find_element(*step).find_element(By.TAG_NAME, "summary").click()
        self.wait.until(lambda _: d.find_element(*step).get_attribute("open") is not None)
        self.assertIn("Attempts", d.find_element(*step).text)
        self.assertTrue(d.find_element(*step).find_elements(By.CSS_SELECTOR, "li"), "the image step has detail lines")
        self.shot("09-deployment-details")

    def test_5_servers(self):
        d = self.driver
        self.go("#/environments/web/servers", (By.CSS_SELECTOR, "[data-server]"))
        preparation = d.find_element(By.CSS_SELECTOR, "#servers [data-server]")
        self.assertIn("Public IP", preparation.text)
        self.assertIn("running", preparation.find_element(By.CSS_SELECTOR, ".server-status").text)
        self.assertIn("$", d.find_element(By.ID, "cost-total").text)
        # The group's instances: listed with Connect, never with start or stop; each priced.
        instances = d.find_elements(By.CSS_SELECTOR, "#instances tbody tr[data-server]")
        self.assertEqual(len(instances), 2)
        for row in instances:
            self.assertFalse(row.find_elements(By.CSS_SELECTOR, 'button[data-action="stop"], button[data-action="start"]'))
            self.assertTrue(row.find_elements(By.CSS_SELECTOR, 'button[data-action="connect"]'))
        cost_lines = d.find_elements(By.CSS_SELECTOR, "#cost-lines tbody tr")
        self.assertEqual(len(cost_lines), 4, "both servers and both instances are priced")
        self.assertTrue(all("$" in row.text for row in cost_lines), [row.text for row in cost_lines])
        self.shot("10-servers")
        # Connect: a simulated server has nothing to connect to, and the dialog says so.
        preparation.find_element(By.CSS_SELECTOR, 'button[data-action="connect"]').click()
        note = self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#confirm .connect-note")))
        self.assertIn("simulated server: there is nothing to connect to", note.text)
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "#confirm .connect-command"), [])
        self.shot("10b-server-connect")
        self.confirm()
        preparation.find_element(By.CSS_SELECTOR, 'button[data-action="stop"]').click()
        self.confirm()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: "stopped" in d.find_element(By.CSS_SELECTOR, "#servers [data-server] .server-status").text)
        self.shot("11-server-stopped")
        d.find_element(By.CSS_SELECTOR, '#servers [data-server] button[data-action="start"]').click()
        self.confirm()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: "running" in d.find_element(By.CSS_SELECTOR, "#servers [data-server] .server-status").text)
        # Scheduled shutdown: schedule (the form proposes two hours from now), extend by an hour, cancel.
        shutdown = (By.CSS_SELECTOR, "#servers [data-server] .shutdown")
        self.assertEqual(d.find_element(*shutdown).text, "None")
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '#servers button[data-action="schedule-shutdown"]'))).click()
        self.confirm()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: "by admin" in d.find_element(*shutdown).text)
        first = d.find_element(*shutdown).text
        self.shot("11b-shutdown-scheduled")
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '#servers button[data-action="extend-shutdown"]'))).click()
        self.confirm()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: d.find_element(*shutdown).text not in (first, "None"))
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '#servers button[data-action="cancel-shutdown"]'))).click()
        self.confirm()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: d.find_element(*shutdown).text == "None")
        # Force provider update asks the worker again; Publish new version leads to the deploy form.
        d.find_element(By.CSS_SELECTOR, '#servers button[data-action="refresh"]').click()
        WebDriverWait(d, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda _: "Updated from the provider" in d.find_element(By.TAG_NAME, "body").text)
        d.find_element(By.CSS_SELECTOR, '#servers a[data-action="publish"]').click()
        self.wait.until(EC.presence_of_element_located((By.ID, "deploy-publish")))

    def test_6_queues(self):
        d = self.driver
        self.go("#/queues", (By.CSS_SELECTOR, '[data-queue="hangar.steps"]'))
        row = d.find_element(By.CSS_SELECTOR, '[data-queue="hangar.steps"]')
        self.assertTrue(row.text.strip())
        self.shot("12-queues")

    def test_6b_workers(self):
        d = self.driver
        long_wait = WebDriverWait(d, 40, ignored_exceptions=(StaleElementReferenceException,))
        nav = d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="workers"]')
        self.assertTrue(nav.is_displayed())
        nav.click()
        worker = (By.CSS_SELECTOR, f'#worker-rows tr[data-worker="{WORKER}"]')
        self.wait.until(EC.presence_of_element_located(worker))
        self.assertEqual(d.find_element(*worker).get_attribute("data-silent"), "false")
        self.assertIn("ago", d.find_element(*worker).find_element(By.CSS_SELECTOR, ".last-seen").text)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="workers"]').get_attribute("aria-current"), "page")
        # A slow deployment (3 s a step): the worker reports the step it runs (every 5 s).
        status, _ = self.api("POST", "/v1/environments", {"name": "slow", "description": "3 s a step (simulated)",
                                                          "provider": "simulated", "target": {"stepDurationMs": 3000}})
        self.assertIn(status, (201, 409), "cannot create the slow environment")
        status, deployment = self.api("POST", "/v1/environments/slow/deployments", {"version": "slow-1"})
        self.assertEqual(status, 202)
        step = (By.CSS_SELECTOR, f'#worker-rows tr[data-worker="{WORKER}"] li[data-deployment="{deployment["id"]}"]')
        long_wait.until(EC.presence_of_element_located(step))
        text = d.find_element(*step).text
        self.assertIn("slow", text)
        self.assertRegex(text, r"attempt 1 · [0-9.]+ (ms|s)")
        self.assertRegex(d.find_element(*worker).find_element(By.CSS_SELECTOR, ".busy").text, r"^[1-9][0-9]*/[1-9]")
        self.shot("12b-workers-running")
        # A worker that said nothing for a minute (as a killed one would): marked silent.
        self.worker_status("ghost-worker", datetime.now(timezone.utc) - timedelta(seconds=60))
        ghost = (By.CSS_SELECTOR, '#worker-rows tr[data-worker="ghost-worker"]')
        long_wait.until(EC.presence_of_element_located(ghost))
        self.assertEqual(d.find_element(*ghost).get_attribute("data-silent"), "true")
        self.assertEqual(d.find_element(*ghost).find_element(By.CSS_SELECTOR, '[data-badge="silent"]').text, "silent")
        self.assertFalse(d.find_element(*worker).find_elements(By.CSS_SELECTOR, '[data-badge="silent"]'), "the live worker is not silent")
        self.shot("12c-workers-silent")
        # Its last word (a graceful stop) takes it off the list.
        self.worker_status("ghost-worker", datetime.now(timezone.utc), stopping=True)
        long_wait.until(lambda _: not d.find_elements(*ghost))
        # The running step links to its deployment.
        self.wait.until(lambda _: d.find_element(*step).find_element(By.TAG_NAME, "a").click() or True)
        self.wait.until(lambda _: d.find_element(By.ID, "deployment-details"))
        self.assertIn(deployment["id"], d.current_url)
        self.api("POST", f"/v1/deployments/{deployment['id']}/cancel")

    def dead_letter_row(self, message_id):
        rows = self.driver.find_elements(By.CSS_SELECTOR, f'#dead-letter-rows tr[data-message-id="{message_id}"]')
        return rows[0] if rows else None

    def test_6c_dead_letters(self):
        d = self.driver
        long_wait = WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,))
        # A poison command: not JSON (with markup in it, which must show as text).
        message_id = f"console-poison-{int(time.time() * 1000)}"
        self.publish("deployment.submit", {"type": "deployment.submit", "message_id": message_id,
                                           "headers": {"x-schema-version": 1}}, "{not json <b>bold</b>")
        nav = d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="dead-letters"]')
        self.assertTrue(nav.is_displayed(), "an admin is offered Dead letters")
        nav.click()
        self.wait.until(EC.presence_of_element_located((By.ID, "dead-letters")))
        long_wait.until(lambda _: self.dead_letter_row(message_id))
        row = self.dead_letter_row(message_id)
        _, kept = self.api("GET", "/v1/dead-letters")
        item = next(i for i in kept["items"] if i.get("messageId") == message_id)
        self.assertTrue(item["reason"])
        self.assertEqual(row.find_element(By.CSS_SELECTOR, ".reason").text, item["reason"])
        self.assertEqual(row.get_attribute("data-queue"), item["queue"])
        self.assertEqual(row.find_element(By.CSS_SELECTOR, ".replays").text, "0")
        self.assertIn("deployment.submit", row.text)
        preview = row.find_element(By.CSS_SELECTOR, "td.preview pre code")
        self.assertEqual(preview.text, "{not json <b>bold</b>")
        self.assertFalse(row.find_elements(By.CSS_SELECTOR, "td.preview b"), "the preview is text, not markup")
        self.assertIn("newest first", d.find_element(By.CSS_SELECTOR, "#dead-letters caption").get_attribute("textContent"))
        self.shot("12d-dead-letters")
        queue = item["queue"]
        # The Queues page counts it and links to it.
        self.go("#/queues", (By.CSS_SELECTOR, f'#queues [data-queue="{queue}"]'))
        link = long_wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, f'#queues [data-queue="{queue}"] td.dead-letters a')))
        link.click()
        long_wait.until(lambda _: self.dead_letter_row(message_id))
        self.assertEqual(Select(d.find_element(By.ID, "dead-letter-queue")).first_selected_option.get_attribute("value"), queue)
        self.assertIn(f"queue={queue}", d.current_url)
        # The filter: all queues, then this one again (the address follows).
        Select(d.find_element(By.ID, "dead-letter-queue")).select_by_value("")
        self.wait.until(lambda _: "queue=" not in d.current_url)
        long_wait.until(lambda _: self.dead_letter_row(message_id))
        Select(d.find_element(By.ID, "dead-letter-queue")).select_by_value(queue)
        self.wait.until(lambda _: f"queue={queue}" in d.current_url)
        # Replay: still bad, it comes back with one replay.
        first = self.dead_letter_row(message_id).get_attribute("data-id")
        self.dead_letter_row(message_id).find_element(By.CSS_SELECTOR, 'button[data-action="replay"]').click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "confirm")))
        self.assertIn(queue, d.find_element(By.ID, "confirm-body").text)
        self.confirm()
        self.wait.until(lambda _: "Replay of the deployment.submit requested" in d.find_element(By.ID, "toasts").text)
        long_wait.until(lambda _: (lambda r: r is not None and r.get_attribute("data-id") != first
                                   and r.get_attribute("data-replays") == "1")(self.dead_letter_row(message_id)))
        self.assertEqual(self.dead_letter_row(message_id).find_element(By.CSS_SELECTOR, ".replays").text, "1")
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, f'#dead-letter-rows tr[data-message-id="{message_id}"]')), 1)
        self.shot("12e-dead-letter-replayed")
        # Purge: gone.
        self.dead_letter_row(message_id).find_element(By.CSS_SELECTOR, 'button[data-action="purge"]').click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "confirm")))
        self.assertEqual(d.find_element(By.ID, "confirm-ok").text, "Purge")
        self.confirm()
        self.wait.until(lambda _: "Purge of the deployment.submit requested" in d.find_element(By.ID, "toasts").text)
        long_wait.until(lambda _: self.dead_letter_row(message_id) is None and d.find_elements(By.ID, "dead-letters-empty"))
        self.assertEqual(self.api("GET", "/v1/dead-letters")[1]["items"], [])
        self.shot("12f-dead-letters-empty")

    def test_7_viewer_sees_no_actions(self):
        d = self.driver
        self.sign_in(VIEWER)
        card = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-environment="web"]')))
        self.assertFalse([b for b in card.find_elements(By.TAG_NAME, "button") if b.text in ("Suspend", "Delete", "Release")])
        links = [a.text for a in card.find_elements(By.CSS_SELECTOR, ".actions a")]
        self.assertIn("History", links)
        self.assertNotIn("Deploy", links)
        self.go("#/environments/web", (By.ID, "history-rows"))
        self.assertFalse(d.find_elements(By.ID, "deploy-publish"), "a viewer is not offered Publish")
        self.assertFalse(d.find_elements(By.ID, "rollback-environment"), "a viewer is not offered Roll back")
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, 'button[data-action="rollback-to"]'))
        self.shot("13-viewer-deployments")

    def test_7b_viewer_has_no_dead_letters(self):
        d = self.driver
        self.sign_in(VIEWER)
        self.assertFalse(d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="dead-letters"]').is_displayed(),
                         "a viewer is not offered Dead letters")
        self.assertTrue(d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="workers"]').is_displayed())
        # Reached anyway: the API's answer (403) is shown.
        error = self.go("#/dead-letters", (By.ID, "dead-letters-error"))
        self.assertIn("Not allowed", error.text)
        self.assertIn("admin role", error.text)
        self.assertFalse(d.find_elements(By.ID, "dead-letter-rows"))
        self.shot("13b-viewer-dead-letters-forbidden")
        self.go("#/workers", (By.CSS_SELECTOR, f'#worker-rows tr[data-worker="{WORKER}"]'))

    def test_7c_audit_log(self):
        d = self.driver
        self.sign_in(VIEWER)
        self.assertFalse(d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="audit"]').is_displayed(), "a viewer is not offered Audit")
        self.sign_in(ADMIN)
        d.find_element(By.CSS_SELECTOR, '#nav a[data-nav="audit"]').click()
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#audit-rows tr[data-audit]")))
        actions = {row.get_attribute("data-action") for row in d.find_elements(By.CSS_SELECTOR, "#audit-rows tr[data-audit]")}
        self.assertIn("deployment.submit", actions, "the earlier tests' publishes are in the log")
        self.shot("13c-audit-log")
        # Filtered to the cancellations: only those, each with what it asked.
        d.find_element(By.ID, "audit-action").send_keys("deployment.cancel")
        d.find_element(By.CSS_SELECTOR, '#audit-filter button[type="submit"]').click()
        self.wait.until(lambda _: {r.get_attribute("data-action") for r in d.find_elements(By.CSS_SELECTOR, "#audit-rows tr[data-audit]")} == {"deployment.cancel"})
        row = d.find_element(By.CSS_SELECTOR, "#audit-rows tr[data-audit]")
        self.assertIn("asked to cancel deployment", row.text)
        self.assertIn("admin", row.text, "the console signed in as admin cancelled it")

    def test_8_suspend_and_resume(self):
        d = self.driver
        self.sign_in(ADMIN)
        card = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-environment="web"]')))
        card.find_element(By.XPATH, ".//button[normalize-space()='Suspend']").click()
        self.confirm()
        self.wait.until(lambda _: "suspended" in d.find_element(By.CSS_SELECTOR, '[data-environment="web"]').text)
        self.go("#/environments/web", (By.ID, "deploy-publish"))
        self.assertFalse(d.find_element(By.ID, "deploy-publish").is_enabled())
        self.shot("14-suspended-environment")
        self.go("#/environments", (By.CSS_SELECTOR, '[data-environment="web"]'))
        d.find_element(By.CSS_SELECTOR, '[data-environment="web"]').find_element(By.XPATH, ".//button[normalize-space()='Resume']").click()
        self.confirm()
        self.wait.until(lambda _: "activated" in d.find_element(By.CSS_SELECTOR, '[data-environment="web"]').text)

    def test_9_release_and_resume(self):
        d = self.driver
        status, _ = self.api("POST", "/v1/environments", {"name": "spare", "description": "released and resumed (simulated)",
                                                          "provider": "simulated", "target": {}})
        self.assertIn(status, (201, 409), "cannot create the spare environment")
        self.sign_in(ADMIN)  # lands on the environments, the new one among them
        card = (By.CSS_SELECTOR, '[data-environment="spare"]')
        self.wait.until(EC.presence_of_element_located(card))
        d.find_element(*card).find_element(By.XPATH, ".//button[normalize-space()='Release']").click()
        self.assertIn("scaled to zero", d.find_element(By.ID, "confirm-body").text)
        self.confirm()
        long_wait = WebDriverWait(d, 40, ignored_exceptions=(StaleElementReferenceException,))
        long_wait.until(lambda _: "released" in d.find_element(*card).text)
        report = d.find_element(*card).find_element(By.CSS_SELECTOR, ".lifecycle-report")
        report.find_element(By.TAG_NAME, "summary").click()
        self.assertIn("scaled the simulated instance group from 2 to 0 instances", report.text)
        self.assertIn("stopped preparation server", report.text)
        self.shot("15-released-environment")
        # Its servers are stopped: the servers page shows them so.
        self.go("#/environments/spare/servers", (By.CSS_SELECTOR, "#servers [data-server]"))
        long_wait.until(lambda _: "stopped" in d.find_element(By.CSS_SELECTOR, "#servers [data-server] .server-status").text)
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "#instances tbody tr"), "the group is at 0 instances")
        self.assertIn("No instances.", d.find_element(By.ID, "servers").text)
        self.go("#/environments", card)
        d.find_element(*card).find_element(By.XPATH, ".//button[normalize-space()='Resume']").click()
        self.confirm()
        long_wait.until(lambda _: "activated" in d.find_element(*card).text)
        report = d.find_element(*card).find_element(By.CSS_SELECTOR, ".lifecycle-report")
        report.find_element(By.TAG_NAME, "summary").click()
        self.assertIn("which the release had stopped", report.text)

    def test_9b_phone_width(self):
        """At 360 px (a phone) no page scrolls sideways: wide tables scroll inside their panel."""
        d = self.driver
        self.sign_in(ADMIN)
        status, page = self.api("GET", "/v1/environments/web/deployments?limit=1")
        self.assertEqual(status, 200, page)
        deployment = page["items"][0]["id"]
        # Not `mobile`: a mobile layout viewport grows to fit what overflows, hiding it from scrollWidth.
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 780, "deviceScaleFactor": 2, "mobile": False})
        try:
            pages = [
                ("#/environments", (By.CSS_SELECTOR, '[data-environment="web"]')),
                ("#/environments/web", (By.ID, "history-rows")),
                (f"#/deployments/{deployment}", (By.CSS_SELECTOR, "details[data-step]")),
                ("#/environments/web/servers", (By.ID, "instances")),
                ("#/queues", (By.CSS_SELECTOR, "table")),
                ("#/workers", (By.ID, "main")),
                ("#/audit", (By.ID, "audit-rows")),
                ("#/dead-letters", (By.ID, "main")),
            ]
            for route, ready in pages:
                self.go(route, ready)
                time.sleep(0.5)  # let the page's data arrive and lay out
                width = d.execute_script("return document.documentElement.scrollWidth;")
                self.assertEqual(d.execute_script("return window.innerWidth;"), 360)
                wide = d.execute_script(
                    "const scrolls = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {"
                    " if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };"
                    "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361 && !scrolls(e))"
                    ".sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)"
                    ".slice(0, 6).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);")
                self.assertLessEqual(width, 360, f"{route} scrolls sideways at 360 px: {width} px wide; past the edge: {wide}")
                self.shot("16-phone-" + route.strip("#/").replace("/", "-")[:40])
        finally:
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


if __name__ == "__main__":
    unittest.main(verbosity=2)
