"""How each provider signs a webhook, expressed with the provider's own SDK where it can sign.

Every scheme turns (key, url, timestamp) into the exact request the provider would
send. `self_check` runs the provider's own verifier on that request where one exists, so a
rejection by hookstream can be told apart from a mistake in the test.
"""

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import slack_sdk.signature
import standardwebhooks.webhooks
import stripe
import svix.webhooks
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from paddle_billing.Notifications import PaddleSignature
from paddle_billing.Notifications import Secret as PaddleSecret
from sendgrid.helpers.eventwebhook import EventWebhook, EventWebhookHeader
from twilio.request_validator import RequestValidator

# Every body carries this marker; the tampered-body case changes it after signing.
ORIGINAL = "original"
TAMPERED = "tampered"


@dataclass(frozen=True)
class Key:
    config: str  # what the user pastes into hookstream as verification_secret
    material: Any  # what the provider signs with (the same string, or a private key)


@dataclass(frozen=True)
class Outgoing:
    url: str
    headers: dict
    body: bytes

    def without(self, *names: str) -> "Outgoing":
        drop = {n.lower() for n in names}
        return replace(self, headers={k: v for k, v in self.headers.items() if k.lower() not in drop})

    def tampered(self) -> "Outgoing":
        assert ORIGINAL.encode() in self.body, "body has no tamper marker"
        return replace(self, body=self.body.replace(ORIGINAL.encode(), TAMPERED.encode(), 1))


@dataclass(frozen=True)
class Scheme:
    id: str
    create: dict  # fields for POST /v1/sources, apart from name and secret
    new_key: Callable[[], Key]
    sign: Callable[[Key, str, int], Outgoing]
    signature_headers: tuple  # dropped in the missing-signature case
    has_timestamp: bool
    tolerance: int = 0  # seconds a timestamp may lag (and, with rejects_future, lead) the server clock
    body_is_signed: bool = True
    rejects_future: bool = False  # a timestamp an hour ahead is refused (all but Stripe)
    self_check: Callable[[Key, Outgoing], bool] | None = None
    wrong_key: Callable[[Key], Key] | None = None


def _text(value: Any, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _json_request(url: str, body: str, headers: dict) -> Outgoing:
    return Outgoing(url, {"Content-Type": "application/json", **headers}, body.encode("utf-8"))


def _hmac(key: str, data: str, digest) -> hmac.HMAC:
    return hmac.new(key.encode("utf-8"), data.encode("utf-8"), digest)


def _token_key(prefix: str = "", size: int = 24) -> Callable[[], Key]:
    def make() -> Key:
        value = prefix + secrets.token_hex(size)
        return Key(value, value)

    return make


def _whsec_key() -> Key:
    value = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    return Key(value, value)


def _nonce() -> str:
    return uuid.uuid4().hex


# Stripe: Stripe-Signature t=…,v1=… over "{t}.{body}", signed by the SDK's own generator.
def _stripe_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {
            "id": "evt_" + _nonce()[:24],
            "object": "event",
            "api_version": "2024-06-20",
            "created": ts,
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_" + _nonce()[:24], "amount": 2000, "description": f"café {ORIGINAL}"}},
        },
        pretty=True,
    )
    header = stripe.WebhookSignature.generate_signature_header(body, key.material, timestamp=ts)
    return _json_request(url, body, {"Stripe-Signature": header, "User-Agent": "Stripe/1.0"})


def _stripe_check(key: Key, out: Outgoing) -> bool:
    return stripe.WebhookSignature.verify_header(out.body, out.headers["Stripe-Signature"], key.material, 300)


def _stripe_multi_sign(key: Key, url: str, ts: int) -> Outgoing:
    # While a secret is rolled on Stripe's side, the header carries one v1 per secret (and maybe v0).
    out = _stripe_sign(key, url, ts)
    body = out.body.decode("utf-8")
    stale = stripe.WebhookSignature.generate_signature_header(body, "whsec_" + secrets.token_hex(16), timestamp=ts)
    good = out.headers["Stripe-Signature"]
    header = f"{good.split(',')[0]},{stale.split(',')[1]},{good.split(',')[1]},v0={secrets.token_hex(32)}"
    return replace(out, headers={**out.headers, "Stripe-Signature": header})


# GitHub: X-Hub-Signature-256: sha256=<hex HMAC of body>, per GitHub's docs.
def _github_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text({"action": "opened", "number": ts % 1000, "title": f"PR {ORIGINAL} ✓", "nonce": _nonce()})
    sig = _hmac(key.material, body, hashlib.sha256).hexdigest()
    return _json_request(
        url,
        body,
        {
            "X-Hub-Signature-256": "sha256=" + sig,
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
        },
    )


def _github_legacy_sign(key: Key, url: str, ts: int) -> Outgoing:
    # Older GitHub setups send only the SHA-1 header; it counts when the SHA-256 one is absent.
    out = _github_sign(key, url, ts)
    sig = hmac.new(key.material.encode("utf-8"), out.body, hashlib.sha1).hexdigest()
    headers = {k: v for k, v in out.headers.items() if k != "X-Hub-Signature-256"}
    return replace(out, headers={**headers, "X-Hub-Signature": "sha1=" + sig})


# Shopify: X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body.
def _shopify_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text({"id": ts, "email": "jon@example.com", "note": f"Grüße {ORIGINAL}", "nonce": _nonce()})
    sig = base64.b64encode(_hmac(key.material, body, hashlib.sha256).digest()).decode()
    return _json_request(
        url,
        body,
        {
            "X-Shopify-Hmac-Sha256": sig,
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "e2e.myshopify.com",
        },
    )


# Slack: v0=<hex> over "v0:{ts}:{body}", generated by slack_sdk's SignatureVerifier.
def _slack_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {"type": "event_callback", "event": {"type": "message", "text": f"héllo {ORIGINAL}"}, "event_id": _nonce()}
    )
    sig = slack_sdk.signature.SignatureVerifier(key.material).generate_signature(timestamp=str(ts), body=body)
    return _json_request(url, body, {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig})


def _slack_check(key: Key, out: Outgoing) -> bool:
    return slack_sdk.signature.SignatureVerifier(key.material).is_valid_request(out.body, out.headers)


# Twilio: base64 HMAC-SHA1 of the full URL plus sorted form params, by twilio's RequestValidator.
def _twilio_params() -> dict:
    return {
        "AccountSid": "AC" + _nonce(),
        "MessageSid": "SM" + _nonce(),
        "From": "+15005550006",
        "To": "+14155551234",
        "Body": f"Hello {ORIGINAL} & welcome, naïve café",
        "NumMedia": "0",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def _twilio_sign(key: Key, url: str, ts: int) -> Outgoing:
    params = _twilio_params()
    sig = RequestValidator(key.material).compute_signature(url, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sig,
        "I-Twilio-Idempotency-Token": _nonce(),
    }
    return Outgoing(url, headers, urlencode(params).encode("ascii"))


def _twilio_query_sign(key: Key, url: str, ts: int) -> Outgoing:
    # Query parameters are part of the signed URL, not of the sorted POST parameters.
    return _twilio_sign(key, url + "?tenant=e2e&region=us1", ts)


def _twilio_check(key: Key, out: Outgoing) -> bool:
    if "bodySHA256=" in out.url:
        return RequestValidator(key.material).validate(out.url, out.body.decode(), out.headers["X-Twilio-Signature"])
    params = dict(parse_qsl(out.body.decode("ascii"), keep_blank_values=True))
    return RequestValidator(key.material).validate(out.url, params, out.headers["X-Twilio-Signature"])


# Twilio with a JSON body: the URL carries ?bodySHA256=<hex>, and only the URL is signed.
def _twilio_json_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text({"event": "call.completed", "note": f"{ORIGINAL}", "nonce": _nonce()})
    validator = RequestValidator(key.material)
    signed_url = f"{url}?bodySHA256={validator.compute_hash(body)}"
    sig = validator.compute_signature(signed_url, {})
    return _json_request(signed_url, body, {"X-Twilio-Signature": sig})


# SendGrid: ECDSA P-256/SHA-256 over timestamp + body; the user pastes the public key.
def _sendgrid_key() -> Key:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Key(base64.b64encode(der).decode(), private)


def _sendgrid_pem_key() -> Key:
    # SendGrid's dashboard shows the bare base64; users may paste a full PEM block instead.
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Key(pem.decode("ascii"), private)


def _sendgrid_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        [
            {
                "email": "a@example.com",
                "event": "delivered",
                "timestamp": ts,
                "sg_event_id": _nonce(),
                "note": ORIGINAL,
            },
            {"email": "b@example.com", "event": "open", "timestamp": ts, "sg_event_id": _nonce()},
        ]
    )
    signature = key.material.sign((str(ts) + body).encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    headers = {
        EventWebhookHeader.SIGNATURE: base64.b64encode(signature).decode(),
        EventWebhookHeader.TIMESTAMP: str(ts),
    }
    return _json_request(url, body, headers)


def _sendgrid_check(key: Key, out: Outgoing) -> bool:
    public = "".join(line for line in key.config.splitlines() if "-----" not in line)
    return EventWebhook(public).verify_signature(
        out.body.decode("utf-8"), out.headers[EventWebhookHeader.SIGNATURE], out.headers[EventWebhookHeader.TIMESTAMP]
    )


# Intercom: X-Hub-Signature: sha1=<hex HMAC-SHA1 of body>, keyed with the client secret.
def _intercom_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {
            "type": "notification_event",
            "topic": "conversation.user.created",
            "id": "notif_" + _nonce(),
            "created_at": ts,
            "data": {"item": {"body": f"{ORIGINAL} ✓"}},
        }
    )
    sig = _hmac(key.material, body, hashlib.sha1).hexdigest()
    return _json_request(url, body, {"X-Hub-Signature": "sha1=" + sig})


# Linear: Linear-Signature: <hex HMAC-SHA256 of body>; webhookTimestamp (ms) in the body.
def _linear_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {
            "action": "create",
            "type": "Issue",
            "data": {"id": _nonce(), "title": f"Bug {ORIGINAL}"},
            "url": "https://linear.app/e2e/issue/E2E-1",
            "webhookTimestamp": ts * 1000,
            "webhookId": _nonce(),
        }
    )
    sig = _hmac(key.material, body, hashlib.sha256).hexdigest()
    return _json_request(
        url, body, {"Linear-Signature": sig, "Linear-Delivery": str(uuid.uuid4()), "Linear-Event": "Issue"}
    )


# Svix, Clerk, Resend: svix-* headers, signed by the svix SDK.
def _svix_sign(key: Key, url: str, ts: int) -> Outgoing:
    msg_id = "msg_" + _nonce()
    body = _text({"type": "user.created", "data": {"id": "user_" + _nonce(), "name": f"Zoë {ORIGINAL}"}})
    sig = svix.webhooks.Webhook(key.material).sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body)
    return _json_request(url, body, {"svix-id": msg_id, "svix-timestamp": str(ts), "svix-signature": sig})


def _svix_check(key: Key, out: Outgoing) -> bool:
    svix.webhooks.Webhook(key.material).verify(out.body, out.headers)
    return True


# Generic Standard Webhooks: webhook-* headers, signed by the standardwebhooks package.
def _stdwh_sign(key: Key, url: str, ts: int) -> Outgoing:
    msg_id = "msg_" + _nonce()
    body = _text({"type": "invoice.paid", "data": {"id": _nonce(), "memo": f"{ORIGINAL} ✓"}})
    sig = standardwebhooks.webhooks.Webhook(key.material).sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body)
    return _json_request(url, body, {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig})


def _stdwh_multi_sign(key: Key, url: str, ts: int) -> Outgoing:
    # A space-separated list: an unknown version, a v1 from another key, then the right one.
    out = _stdwh_sign(key, url, ts)
    other = _whsec_key()
    body = out.body.decode("utf-8")
    when = datetime.fromtimestamp(ts, tz=UTC)
    wrong = standardwebhooks.webhooks.Webhook(other.material).sign(out.headers["webhook-id"], when, body)
    right = out.headers["webhook-signature"]
    listed = f"v1a,{base64.b64encode(secrets.token_bytes(64)).decode()} {wrong} {right}"
    return replace(out, headers={**out.headers, "webhook-signature": listed})


def _stdwh_check(key: Key, out: Outgoing) -> bool:
    standardwebhooks.webhooks.Webhook(key.material).verify(out.body, out.headers, json_parse=False)
    return True


# Paddle Billing: Paddle-Signature: ts=…;h1=<hex> over "{ts}:{body}", HMAC from the Paddle SDK.
def _paddle_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {
            "event_id": "evt_" + _nonce(),
            "event_type": "transaction.completed",
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {"id": "txn_" + _nonce(), "note": ORIGINAL},
        }
    )
    h1 = PaddleSignature.calculate_hmac(key.material, f"{ts}:{body}".encode()).hexdigest()
    return _json_request(url, body, {"Paddle-Signature": f"ts={ts};h1={h1}"})


def _paddle_multi_sign(key: Key, url: str, ts: int) -> Outgoing:
    # During a Paddle secret rotation the header carries one h1 per active secret.
    out = _paddle_sign(key, url, ts)
    body = out.body.decode("utf-8")
    other = PaddleSignature.calculate_hmac("pdl_ntfset_" + secrets.token_hex(20), f"{ts}:{body}".encode()).hexdigest()
    ts_part, h1_part = out.headers["Paddle-Signature"].split(";")
    return replace(out, headers={**out.headers, "Paddle-Signature": f"{ts_part};h1={other};{h1_part}"})


def _paddle_check(key: Key, out: Outgoing) -> bool:
    return PaddleSignature().verify(
        out.headers["Paddle-Signature"], out.body.decode("utf-8"), PaddleSecret(key.material)
    )


# Postmark: nothing is signed; the webhook URL carries Basic credentials.
def _postmark_key() -> Key:
    value = f"pm-{secrets.token_hex(4)}:{secrets.token_urlsafe(18)}"
    return Key(value, value)


def _postmark_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {"RecordType": "Delivery", "MessageID": str(uuid.uuid4()), "Recipient": "a@example.com", "Details": ORIGINAL}
    )
    auth = "Basic " + base64.b64encode(key.material.encode("utf-8")).decode()
    return _json_request(url, body, {"Authorization": auth})


def _postmark_wrong(key: Key) -> Key:
    user = key.material.split(":", 1)[0]
    value = f"{user}:{secrets.token_urlsafe(18)}"
    return Key(value, value)


# Typeform: Typeform-Signature: sha256=<base64 HMAC-SHA256 of body>.
def _typeform_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text(
        {
            "event_id": _nonce(),
            "event_type": "form_response",
            "form_response": {"form_id": "lT4Z3j", "answers": [{"type": "text", "text": f"{ORIGINAL} ½"}]},
        }
    )
    sig = base64.b64encode(_hmac(key.material, body, hashlib.sha256).digest()).decode()
    return _json_request(url, body, {"Typeform-Signature": "sha256=" + sig})


# Custom: hookstream's generic HMAC-SHA256 in one of its default headers.
def _custom_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text({"kind": "custom.event", "value": ORIGINAL, "nonce": _nonce()})
    sig = _hmac(key.material, body, hashlib.sha256).hexdigest()
    return _json_request(url, body, {"X-hookstream-Signature": "sha256=" + sig})


def _hmac_sha1_sign(key: Key, url: str, ts: int) -> Outgoing:
    body = _text({"kind": "sha1.event", "value": ORIGINAL, "nonce": _nonce()})
    sig = _hmac(key.material, body, hashlib.sha1).hexdigest()
    return _json_request(url, body, {"X-E2E-Signature": "sha1=" + sig})


SVIX_HEADERS = ("svix-signature",)

# fmt: off
T = {"has_timestamp": True}  # schemes that sign a timestamp
PAST_ONLY = {**T, "tolerance": 300}  # Stripe's SDK bounds only the age
BOTH_WAYS_300 = {**T, "tolerance": 300, "rejects_future": True}

TEMPLATE_SCHEMES = [
    Scheme("stripe", {"template": "stripe"}, _token_key("whsec_", 16), _stripe_sign, ("Stripe-Signature",),
           **PAST_ONLY, self_check=_stripe_check),
    Scheme("github", {"template": "github"}, _token_key(), _github_sign, ("X-Hub-Signature-256",), False),
    Scheme("shopify", {"template": "shopify"}, _token_key("shpss_", 16), _shopify_sign, ("X-Shopify-Hmac-Sha256",),
           False),
    Scheme("slack", {"template": "slack"}, _token_key("", 16), _slack_sign, ("X-Slack-Signature",),
           **BOTH_WAYS_300, self_check=_slack_check),
    Scheme("twilio", {"template": "twilio"}, _token_key("", 16), _twilio_sign, ("X-Twilio-Signature",), False,
           self_check=_twilio_check),
    Scheme("sendgrid", {"template": "sendgrid"}, _sendgrid_key, _sendgrid_sign, (EventWebhookHeader.SIGNATURE,), False,
           self_check=_sendgrid_check),
    Scheme("intercom", {"template": "intercom"}, _token_key(), _intercom_sign, ("X-Hub-Signature",), False),
    Scheme("linear", {"template": "linear"}, _token_key("lin_wh_", 20), _linear_sign, ("Linear-Signature",),
           **T, tolerance=60, rejects_future=True),
    Scheme("clerk", {"template": "clerk"}, _whsec_key, _svix_sign, SVIX_HEADERS, **BOTH_WAYS_300,
           self_check=_svix_check),
    Scheme("svix", {"template": "svix"}, _whsec_key, _svix_sign, SVIX_HEADERS, **BOTH_WAYS_300,
           self_check=_svix_check),
    Scheme("paddle", {"template": "paddle"}, _token_key("pdl_ntfset_", 20), _paddle_sign, ("Paddle-Signature",),
           **T, tolerance=5, rejects_future=True, self_check=_paddle_check),
    Scheme("resend", {"template": "resend"}, _whsec_key, _svix_sign, SVIX_HEADERS, **BOTH_WAYS_300,
           self_check=_svix_check),
    Scheme("postmark", {"template": "postmark"}, _postmark_key, _postmark_sign, ("Authorization",), False,
           body_is_signed=False, wrong_key=_postmark_wrong),
    Scheme("typeform", {"template": "typeform"}, _token_key(), _typeform_sign, ("Typeform-Signature",), False),
    Scheme("custom", {"template": "custom"}, _token_key(), _custom_sign, ("X-hookstream-Signature",), False),
]

# Not templates of their own, but the same contract: generic types and provider variants.
EXTRA_SCHEMES = [
    Scheme("standard_webhooks", {"verification_type": "standard_webhooks"}, _whsec_key, _stdwh_sign,
           ("webhook-signature",), **BOTH_WAYS_300, self_check=_stdwh_check),
    Scheme("standard_webhooks_multi_signature", {"verification_type": "standard_webhooks"}, _whsec_key,
           _stdwh_multi_sign, ("webhook-signature",), **BOTH_WAYS_300, self_check=_stdwh_check),
    Scheme("custom_explicit_hmac_sha256", {"template": "custom", "verification_type": "hmac_sha256"}, _token_key(),
           _custom_sign, ("X-hookstream-Signature",), False),
    Scheme("hmac_sha1_custom_header", {"verification_type": "hmac_sha1", "verification_header": "X-E2E-Signature"},
           _token_key(), _hmac_sha1_sign, ("X-E2E-Signature",), False),
    Scheme("stripe_multi_signature", {"template": "stripe"}, _token_key("whsec_", 16), _stripe_multi_sign,
           ("Stripe-Signature",), **PAST_ONLY, self_check=_stripe_check),
    Scheme("paddle_multi_signature", {"template": "paddle"}, _token_key("pdl_ntfset_", 20), _paddle_multi_sign,
           ("Paddle-Signature",), **T, tolerance=5, rejects_future=True, self_check=_paddle_check),
    Scheme("github_legacy_sha1", {"template": "github"}, _token_key(), _github_legacy_sign, ("X-Hub-Signature",), False),
    Scheme("sendgrid_pem_key", {"template": "sendgrid"}, _sendgrid_pem_key, _sendgrid_sign,
           (EventWebhookHeader.SIGNATURE,), False, self_check=_sendgrid_check),
    Scheme("twilio_url_with_query", {"template": "twilio"}, _token_key("", 16), _twilio_query_sign,
           ("X-Twilio-Signature",), False, self_check=_twilio_check),
    Scheme("twilio_json_body", {"template": "twilio"}, _token_key("", 16), _twilio_json_sign, ("X-Twilio-Signature",),
           False, self_check=_twilio_check),
]
# fmt: on

ALL_SCHEMES = TEMPLATE_SCHEMES + EXTRA_SCHEMES
