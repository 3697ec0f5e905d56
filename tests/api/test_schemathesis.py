"""A real client fuzzes the API from its own OpenAPI document: Schemathesis, against a live test
server, with a token for each party. No response may be a server error or break the schema,
and status codes and content types must be the documented ones.

The run prints how many requests it sent (the figure the API's note reports)."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from casework.models import Referral
from tests import factories as f
from tests.api.conftest import token_for
from tests.workflows.test_obligations import active_person
from workflows.branches import referrals as referral_services

PARTIES = {
    "work_station1_user": "工作站",
    "sw1_user": "社工",
    "police1_user": "派出所",
    "judicial1_user": "司法所",
    "human_resources1_user": "人社所",
    "civil_affairs1_user": "民政办",
    "sup1_user": "乡镇禁毒办",
}
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
# The work station, which may do the most, gets every phase: the schema's examples, the coverage
# phase (each parameter and field missing, of the wrong type, at its bounds) and random fuzzing.
# The other parties repeat the random phase under their own token, where what differs is what
# the door lets through; the coverage phase's cases would only repeat the same refusals. Together
# about 2,400 requests in a few minutes on the 2-core machine; API_FUZZ_EXAMPLES raises it.
FULL_PARTY = "work_station1_user"
FULL_PHASES = ("examples,coverage,fuzzing", 2)
OTHER_PHASES = ("fuzzing", int(os.environ.get("API_FUZZ_EXAMPLES", "8")))
REPORTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "schemathesis"


def _cases(world):
    """Persons in every state the operations care about: open duties, a referral, an open step."""
    start = timezone.localdate() - timedelta(days=40)
    for _ in range(3):
        person, episode = active_person(world, start)
        f.add_member(person, world["sw1_user"], "community")
    referral_services.referral_create(
        actor=world["work_station1_user"], episode=episode, kind=Referral.Kind.EMPLOYMENT, needs="希望学技能"
    )
    referral_services.referral_create(
        actor=world["work_station1_user"], episode=episode, kind=Referral.Kind.ASSISTANCE, needs="生活困难"
    )
    f.person_with_episode(world["c1"], status="decided", served_on=timezone.localdate() - timedelta(days=30))
    f.person_with_episode(world["c2"])


def _run(live_server, party: str, secret: str) -> dict:
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{party}.json"
    phases, examples = FULL_PHASES if party == FULL_PARTY else OTHER_PHASES
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Token {secret}",
        "--max-examples",
        str(examples),
        "--phases",
        phases,
        "--seed",
        "20260101",
        "--workers",
        "1",
        "--no-shrink",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return {
        "code": done.returncode,
        "out": done.stdout + done.stderr,
        "report": json.loads(report.read_text()),
    }


@pytest.mark.postgres
@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation_for_any_party(world, live_server):
    _cases(world)
    total = 0
    failures = []
    with override_settings(API_THROTTLE_RATES={"token": "100000/min", "user": "100000/min"}):
        for party in PARTIES:
            result = _run(live_server, party, token_for(world[party], name=f"fuzz-{party}"))
            requests = _requests(result["report"])
            total += requests
            print(f"schemathesis {party}: {requests} requests, exit {result['code']}")
            if result["code"] != 0:
                failures.append(f"--- {party} ---\n{result['out'][-6000:]}")
    print(f"schemathesis total: {total} requests across {len(PARTIES)} parties")
    assert not failures, "\n".join(failures)
    assert total >= 2000


def _requests(report: dict) -> int:
    """The test cases Schemathesis generated and sent (one request each)."""
    return report["test_cases"]["generated"]
