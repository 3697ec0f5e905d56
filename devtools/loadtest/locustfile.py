"""Load mix for `manage.py loadtest`: the key pages as the users who open them, on 127.0.0.1 only.

Each simulated user logs in through the real login form (CSRF included) and then opens
its pages; `constant_throughput(1)` makes N users give N requests a second.
"""

import os
import re

from locust import HttpUser, constant_throughput, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-pass-2026")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(HttpUser):
    abstract = True
    wait_time = constant_throughput(1)
    username = ""
    person_id = None

    def on_start(self):
        page = self.client.get("/login/", name="login")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
                "next": "/persons/",
            },
            headers={"Referer": self.host + "/login/"},
            name="login",
        )
        self.person_id = os.environ.get(f"LOAD_PERSON_{self.username.upper()}")


class SocialWorker(Staff):
    weight = 4
    username = "sw_chengguan"

    @task(3)
    def person_list(self):
        self.client.get("/persons/", name="person list")

    @task(3)
    def person_detail(self):
        if self.person_id:
            self.client.get(f"/persons/{self.person_id}/", name="person detail")

    @task(2)
    def my_tasks(self):
        self.client.get("/tasks/", name="my tasks")


class PoliceOfficer(Staff):
    weight = 3
    username = "police_chengguan"

    @task(2)
    def person_list(self):
        self.client.get("/persons/?q=张", name="person list")

    @task(2)
    def person_detail(self):
        if self.person_id:
            self.client.get(f"/persons/{self.person_id}/", name="person detail")


class WorkStation(Staff):
    weight = 2
    username = "ws_chengguan"

    @task
    def my_tasks(self):
        self.client.get("/tasks/", name="my tasks")


class CountySupervisor(Staff):
    weight = 1
    username = "sup_county"

    @task(2)
    def person_list(self):
        self.client.get("/persons/", name="person list")

    @task(1)
    def overdue(self):
        self.client.get("/oversight/overdue/", name="overdue audit")

    @task(1)
    def rates(self):
        self.client.get("/oversight/rates/", name="rates")
