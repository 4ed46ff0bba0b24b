#!/usr/bin/env python3
"""A chatbot on the decision service, in Python with the standard library only.

Each line the customer types on standard input is answered on standard output:

- a new inquiry is triaged (POST /v1/triage) and answered with a pinned decision
  (POST /v1/decide?pin=true): the customer hears the same message on every channel;
- "it didn't work" moves the customer up the ladder of systems;
- asking for a person or a superior hands the case over: the bot prints what the policy
  says happens and the handoff the person receives (what the customer was already told).

    unified-message-server examples/policies/acme-hosting.toml &
    printf 'no puedo configurar el correo\\nquiero hablar con una persona\\n' \\
      | python3 server/examples/chatbot.py --url http://127.0.0.1:8080

A service started with --tokens-file wants a bearer token with the `decide` and `pin`
scopes: pass it in the environment variable UM_TOKEN (or --token, which other users of the
machine can see in the process list).
"""

import argparse
import json
import os
import sys
import unicodedata
import urllib.error
import urllib.request

PERSON = ("persona", "agente", "humano", "operador", "person", "agent", "human", "operator")
SUPERIOR = ("supervisor", "superior", "encargado", "jefe", "responsable", "manager")
NOT_SOLVED = ("no funciona", "no me ha funcionado", "no ha funcionado", "sigue sin",
              "tampoco", "didn't work", "did not work", "doesn't work", "not working")
LADDER = ("fresh", "explained", "served")


def fold(text):
    """Lowercase, without accents: as the engine folds the customer's words."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


TOKEN = None


def call(base, path, body):
    """POSTs `body` as JSON; returns the decoded answer, or raises with the service's error."""
    headers = {"Content-Type": "application/json"}
    if TOKEN:
        headers["Authorization"] = f"Bearer {TOKEN}"
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode("utf-8"),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.load(reply)
    except urllib.error.HTTPError as e:
        detail = json.load(e)
        raise SystemExit(f"the service said {e.code}: {detail.get('error')} "
                         f"(field: {detail.get('field')}, code: {detail.get('code')})")


class Conversation:
    def __init__(self, base, customer, locale):
        self.base, self.customer, self.locale = base, customer, locale
        self.topic, self.progress = None, 0

    def decide(self, responder, superior=False):
        contact = {
            "customer": self.customer,
            "channel": "chat",
            "topic": self.topic,
            "locale": self.locale,
            "progress": LADDER[self.progress],
        }
        if superior:
            contact["asks_for_superior"] = True
        return call(self.base, "/v1/decide?pin=true",
                    {"contact": contact, "responder": responder})

    def answer(self, line):
        folded = fold(line)
        if self.topic is None or not any(p in folded for p in PERSON + SUPERIOR + NOT_SOLVED):
            triaged = call(self.base, "/v1/triage", {"text": line, "locale": self.locale})
            self.topic, self.progress = triaged["topic"], 0
            pinned = self.decide({"system": "self-diagnosis"})
        elif any(p in folded for p in SUPERIOR + PERSON):
            # A person takes over, after the systems.
            self.progress = len(LADDER) - 1
            superior = any(p in folded for p in SUPERIOR)
            pinned = self.decide({"staff": "support-agent"}, superior=superior)
        else:
            self.progress = min(self.progress + 1, len(LADDER) - 1)
            pinned = self.decide({"system": "self-diagnosis"})
        self.show(pinned)

    def show(self, pinned):
        decision = pinned["decision"]
        previous = decision.get("previous")
        if previous:
            print(previous["notice"])
        print(decision["message"]["text"])
        print(f"[topic {decision['topic']}, {decision['outcome']}, message "
              f"{decision['message']['id']} v{decision['message']['version']}, "
              f"pin {pinned['status']}, revision {decision['revision']}]")
        handoff = pinned.get("handoff")
        if handoff:
            who = handoff.get("department") or handoff.get("rank") or "a person"
            print(f"[handoff to {who}: customer {handoff['customer']}, topic {handoff['topic']}, "
                  f"outcome {handoff['outcome']}]")
            for told in handoff.get("told", []):
                pin = told["pin"]
                print(f"[  already told: {pin['message']} v{pin['version']} ({told['slot']})]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the service's base URL")
    parser.add_argument("--customer", default="chat-customer", help="the customer's id")
    parser.add_argument("--locale", default="es", help="the customer's locale")
    parser.add_argument("--token", default=os.environ.get("UM_TOKEN"),
                        help="the bearer token (scopes `decide` and `pin`) of a service started "
                             "with --tokens-file; default: the environment variable UM_TOKEN")
    args = parser.parse_args()
    global TOKEN
    TOKEN = args.token
    conversation = Conversation(args.url.rstrip("/"), args.customer, args.locale)
    for line in sys.stdin:
        line = line.strip()
        if line:
            print(f"> {line}")
            conversation.answer(line)
            print()


if __name__ == "__main__":
    main()
