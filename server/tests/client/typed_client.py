"""Issue 24 point 11: a program on the Python client generated from the service's OpenAPI
document (openapi-python-client), type-checked with `mypy --strict` and run against a live
service by `.ci/run`.

Each operation answers one type: `decide_one` a `DecisionRecord`, `decide_pinned` a
`PinnedRecord`, `decide_batch` a list of `DecisionRecord`; an error is an `ErrorBody`. The
program narrows each answer with `isinstance` and fails on anything else.

    python3 typed_client.py URL TOKEN POLICY_FILE
"""

from __future__ import annotations

import sys
import uuid

from unified_message_client import AuthenticatedClient
from unified_message_client.api.decisions import (
    decide_batch,
    decide_one,
    decide_pinned,
    explain,
)
from unified_message_client.api.policy import check
from unified_message_client.models import (
    CheckResponse,
    Contact,
    DecideRequest,
    DecisionRecord,
    ErrorBody,
    PinnedRecord,
    PinStatus,
    PolicyText,
    ResponderSystem,
)


RUN = uuid.uuid4().hex


def request(customer: str) -> DecideRequest:
    """The example request of the docs: e-mail setup, in Spanish, on the web."""
    # A customer of this run only: a pin is new whatever ran before on the service.
    contact = Contact(
        customer=f"{customer}-{RUN}", channel="web", topic="email.setup", locale="es"
    )
    return DecideRequest(contact=contact, responder=ResponderSystem(system="self-diagnosis"))


def fail(what: str, answer: object) -> None:
    """Stops the program: `what` did not answer its type."""
    if isinstance(answer, ErrorBody):
        sys.exit(f"{what}: {answer.code}: {answer.error}")
    sys.exit(f"{what}: unexpected answer {answer!r}")


def main(url: str, token: str, policy_file: str) -> None:
    client = AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True)
    with client as c:
        one = decide_one.sync(client=c, body=request("typed-1"))
        if not isinstance(one, DecisionRecord):
            return fail("decide_one", one)
        text: str = one.message.text
        print(f"one: {one.outcome.value} {one.topic}: {text[:40]}")

        pinned = decide_pinned.sync(client=c, body=request("typed-2"))
        if not isinstance(pinned, PinnedRecord):
            return fail("decide_pinned", pinned)
        if pinned.status != PinStatus.NEW:
            sys.exit(f"decide_pinned: a first pin is new, not {pinned.status.value}")
        print(f"pinned: {pinned.status.value} {pinned.decision.message.id}")

        batch = decide_batch.sync(client=c, body=[request("typed-3"), request("typed-4")])
        if not isinstance(batch, list):
            return fail("decide_batch", batch)
        outcomes = [record.outcome.value for record in batch]
        print(f"batch: {outcomes}")

        explained = explain.sync(client=c, body=request("typed-5"))
        if explained is None or isinstance(explained, ErrorBody):
            return fail("explain", explained)
        kinds = [step.kind.value for step in explained.steps]
        print(f"explain: {kinds}, {explained.decision.outcome.value}")

        with open(policy_file, encoding="utf-8") as f:
            draft = PolicyText(policy=f.read())
        report = check.sync(client=c, body=draft)
        if not isinstance(report, CheckResponse):
            return fail("check", report)
        if not report.ok:
            sys.exit(f"check: the example policy has {report.errors} errors")
        print(f"check: ok, {report.warnings} warnings, {report.circumstances} circumstances")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: typed_client.py URL TOKEN POLICY_FILE")
    main(sys.argv[1], sys.argv[2], sys.argv[3])
