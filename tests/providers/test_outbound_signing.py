"""Outbound signing checked by the receivers' own libraries.

A destination with `signing_config.algorithm: standard_webhooks` must produce requests that
the official `standardwebhooks` package accepts, and an HMAC-SHA256 destination requests whose
signature a plain `hmac` check accepts. The receiver is a real HTTP server on loopback that
runs the verification on what actually arrived.
"""

import base64
import hashlib
import hmac
import http.server
import os
import threading
import time
import uuid

import pytest
import standardwebhooks


class Receiver:
    """Records every POST (headers + raw body) and answers 200."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"receiver got {len(self.received)} of {count} deliveries"
            time.sleep(0.05)
        return self.received

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def connect(api, make_source, receiver, signing_config):
    source = make_source({})
    r = api.session.post(
        api._url("/v1/destinations"),
        json={"name": f"signed-{uuid.uuid4().hex[:8]}", "url": receiver.url, "signing_config": signing_config},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    destination = r.json()
    r = api.session.post(api._url("/v1/connections"), json={"source_id": source["id"], "destination_id": destination["id"]}, timeout=10)
    assert r.status_code == 201, r.text
    return source, destination


def test_standard_webhooks_library_verifies_deliveries(api, make_source, receiver):
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    source, _ = connect(api, make_source, receiver, {"secret": secret, "algorithm": "standard_webhooks"})
    payload = {"type": "invoice.paid", "amount": 4999}
    sent = api.public.post(source["url"], json=payload, timeout=10)
    assert sent.status_code == 200, sent.text
    headers, body = receiver.wait()[0]
    verified = standardwebhooks.Webhook(secret).verify(body, headers)
    assert verified == payload
    assert headers["webhook-id"] == sent.json()["event_id"]
    assert headers["x-hookstream-event-id"] == sent.json()["event_id"]
    # A tampered body must not verify with the same headers.
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(body + b" ", headers)


def test_hmac_sha256_with_timestamp_verifies(api, make_source, receiver):
    secret = "topsecret-" + uuid.uuid4().hex
    source, _ = connect(
        api, make_source, receiver, {"secret": secret, "algorithm": "hmac-sha256", "include_timestamp": True, "prefix": "v1="}
    )
    sent = api.public.post(source["url"], data=b"plain text body", headers={"content-type": "text/plain"}, timeout=10)
    assert sent.status_code == 200, sent.text
    headers, body = receiver.wait()[0]
    assert body == b"plain text body"
    assert headers["content-type"] == "text/plain"
    timestamp = headers["x-hookstream-signature-timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-hookstream-signature"], expected)
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["x-hookstream-delivery-attempt"] == "1"
