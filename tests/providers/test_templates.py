"""End-to-end signature verification for every source template, against a running server.

Each template gets a real source created through the API, then real HTTP requests signed the
way the provider signs them (with the provider's SDK where it can sign). A good signature must
give 200 and a `verified` event; a missing signature, the wrong secret, a changed body and an
old timestamp must each give 401 with the standard error body.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
from provider_schemes import ALL_SCHEMES, TEMPLATE_SCHEMES, Key, Outgoing, Scheme

TEMPLATE_IDS = [
    "stripe",
    "github",
    "shopify",
    "slack",
    "twilio",
    "sendgrid",
    "intercom",
    "linear",
    "clerk",
    "svix",
    "paddle",
    "resend",
    "postmark",
    "typeform",
    "custom",
]

# Far outside every tolerance (the widest is 300 s), so the result cannot depend on timing.
STALE_SECONDS = 3600


def _now() -> int:
    return int(time.time())


def _describe(scheme: Scheme, out: Outgoing, response) -> str:
    return (
        f"[{scheme.id}] POST {out.url}\n  headers sent: {out.headers}\n  body sent: {out.body[:300]!r}\n"
        f"  -> {response.status_code} {response.text[:500]}"
    )


def _self_check(scheme: Scheme, key: Key, out: Outgoing) -> None:
    """The provider's own verifier must accept what we send, or the test itself is wrong."""
    if scheme.self_check is not None:
        assert scheme.self_check(key, out), f"[{scheme.id}] the provider SDK rejects the test's own request"


def _assert_verified(api, scheme: Scheme, source: dict, out: Outgoing) -> str:
    response = api.send(out)
    assert response.status_code == 200, "expected 200 for a correctly signed request\n" + _describe(
        scheme, out, response
    )
    body = response.json()
    event_id = body.get("event_id")
    assert isinstance(event_id, str) and event_id, f"no event_id in {body}"
    event = api.event(event_id)
    assert event.get("source_id") == source["id"], event
    assert event.get("verification_status") == "verified", f"[{scheme.id}] event {event_id}: {event}"
    return event_id


# The reason the docs promise for these cases, so a 401 for some unrelated cause does not pass.
REASON_WORDS = {"missing_signature": "missing", "stale_timestamp": "timestamp", "future_timestamp": "timestamp"}


def _assert_rejected(api, scheme: Scheme, out: Outgoing, secrets_in_play: list, case: str) -> None:
    response = api.send(out)
    assert response.status_code == 401, f"expected 401 for {case}\n" + _describe(scheme, out, response)
    try:
        body = response.json()
    except ValueError:
        pytest.fail(f"[{scheme.id}] 401 body is not JSON: {response.text!r}")
    assert isinstance(body, dict) and {"error", "status", "request_id"} <= set(body), (
        f"not the standard error body: {body}"
    )
    assert isinstance(body["error"], str) and body["error"], body
    assert body["status"] == 401, body
    assert isinstance(body["request_id"], str) and body["request_id"], body
    word = REASON_WORDS.get(case)
    assert word is None or word in body["error"].lower(), f"[{scheme.id}] {case}: reason does not say '{word}': {body}"
    for secret in secrets_in_play:
        assert secret not in response.text, f"[{scheme.id}] the error response leaks the secret: {response.text}"


def _create(make_source, scheme: Scheme, key: Key) -> dict:
    return make_source({**scheme.create, "verification_secret": key.config})


def _other_key(scheme: Scheme, key: Key) -> Key:
    return scheme.wrong_key(key) if scheme.wrong_key else scheme.new_key()


def test_templates_endpoint_lists_every_template(api):
    templates = api.templates()
    ids = [t["id"] for t in templates]
    assert sorted(ids) == sorted(TEMPLATE_IDS), ids
    for template in templates:
        assert template.get("verification_type"), template
    # Every template the server offers is exercised below.
    assert sorted(s.id for s in TEMPLATE_SCHEMES) == sorted(TEMPLATE_IDS)


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.id)
def test_correctly_signed_request_is_verified(api, make_source, scheme):
    key = scheme.new_key()
    source = _create(make_source, scheme, key)
    out = scheme.sign(key, source["url"], _now())
    _self_check(scheme, key, out)
    _assert_verified(api, scheme, source, out)


def _rejection_cases():
    for scheme in ALL_SCHEMES:
        cases = ["missing_signature", "wrong_secret"]
        if scheme.body_is_signed:
            cases.append("tampered_body")
        if scheme.has_timestamp:
            cases.append("stale_timestamp")
        if scheme.rejects_future:
            cases.append("future_timestamp")
        for case in cases:
            yield pytest.param(scheme, case, id=f"{scheme.id}-{case}")


@pytest.mark.parametrize("scheme,case", list(_rejection_cases()))
def test_bad_request_is_rejected(api, make_source, scheme, case):
    key = scheme.new_key()
    source = _create(make_source, scheme, key)
    url = source["url"]
    secrets_in_play = [key.config]
    if case == "missing_signature":
        out = scheme.sign(key, url, _now()).without(*scheme.signature_headers)
    elif case == "wrong_secret":
        other = _other_key(scheme, key)
        secrets_in_play.append(other.config)
        out = scheme.sign(other, url, _now())
        _self_check(scheme, other, out)
    elif case == "tampered_body":
        out = scheme.sign(key, url, _now()).tampered()
    elif case == "stale_timestamp":
        out = scheme.sign(key, url, _now() - STALE_SECONDS)
    else:
        out = scheme.sign(key, url, _now() + STALE_SECONDS)
    _assert_rejected(api, scheme, out, secrets_in_play, case)


def test_stripe_accepts_a_future_timestamp_like_its_sdk(api, make_source):
    # Stripe's SDKs only bound the age of a signature, so hookstream must not refuse clock skew ahead.
    scheme = next(s for s in TEMPLATE_SCHEMES if s.id == "stripe")
    key = scheme.new_key()
    source = _create(make_source, scheme, key)
    out = scheme.sign(key, source["url"], _now() + STALE_SECONDS)
    _self_check(scheme, key, out)
    _assert_verified(api, scheme, source, out)


def _within_tolerance():
    for scheme in ALL_SCHEMES:
        if scheme.has_timestamp:
            yield pytest.param(scheme, -1, id=f"{scheme.id}-past")
            if scheme.rejects_future:
                yield pytest.param(scheme, 1, id=f"{scheme.id}-future")


@pytest.mark.parametrize("scheme,direction", list(_within_tolerance()))
def test_timestamp_inside_tolerance_is_verified(api, make_source, scheme, direction):
    # Close to, but safely inside, the provider's window: a second of test latency cannot cross it.
    assert scheme.tolerance > 0, f"[{scheme.id}] has a timestamp but no tolerance"
    offset = scheme.tolerance - max(2, scheme.tolerance // 10)
    key = scheme.new_key()
    source = _create(make_source, scheme, key)
    out = scheme.sign(key, source["url"], _now() + direction * offset)
    _self_check(scheme, key, out)
    _assert_verified(api, scheme, source, out)


def _iso_in(seconds: int) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.id)
def test_secret_rotation_accepts_both_secrets_until_expiry(api, make_source, scheme):
    old = scheme.new_key()
    source = _create(make_source, scheme, old)
    url = source["url"]
    new = scheme.new_key()
    updated = api.update_source(
        source["id"], {"verification_secret": new.config, "previous_secret_expires_at": _iso_in(3600)}
    )
    assert updated.get("previous_secret_expires_at"), f"rotation expiry not recorded: {updated}"

    _assert_verified(api, scheme, source, scheme.sign(new, url, _now()))
    _assert_verified(api, scheme, source, scheme.sign(old, url, _now()))
    stranger = _other_key(scheme, new)
    _assert_rejected(api, scheme, scheme.sign(stranger, url, _now()), [old.config, new.config], "an unrelated secret")

    # Rotating again without an expiry ends the grace period at once.
    newest = scheme.new_key()
    api.update_source(source["id"], {"verification_secret": newest.config})
    _assert_verified(api, scheme, source, scheme.sign(newest, url, _now()))
    secrets_in_play = [old.config, new.config, newest.config]
    _assert_rejected(api, scheme, scheme.sign(new, url, _now()), secrets_in_play, "the replaced secret")
    _assert_rejected(api, scheme, scheme.sign(old, url, _now()), secrets_in_play, "the expired previous secret")
