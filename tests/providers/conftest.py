"""Fixtures for the provider end-to-end tests: a small client for a running hookstream server.

The server is external on purpose: these tests check the HTTP behaviour a real provider sees,
so they run against whatever binary and configuration `HOOKSTREAM_BASE_URL` points at.
"""

import os
import uuid

import pytest
import requests


class HookstreamAPI:
    """The admin API calls the tests need, plus raw ingest sends."""

    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["X-API-Key"] = api_key
        # Ingest requests must carry only what a provider would send, not the admin key.
        self.public = requests.Session()

    def _url(self, path: str) -> str:
        return self.base_url + path

    def templates(self) -> list:
        r = self.session.get(self._url("/v1/sources/templates"), timeout=10)
        assert r.status_code == 200, f"GET /v1/sources/templates -> {r.status_code}: {r.text}"
        return r.json()["templates"]

    def create_source(self, fields: dict) -> dict:
        body = {"name": f"providers-e2e-{uuid.uuid4().hex[:12]}", **fields}
        r = self.session.post(self._url("/v1/sources"), json=body, timeout=10)
        assert r.status_code in (200, 201), f"POST /v1/sources {body} -> {r.status_code}: {r.text}"
        source = r.json()
        assert source.get("url"), f"create response has no ingest url: {source}"
        return source

    def update_source(self, source_id: str, fields: dict) -> dict:
        r = self.session.patch(self._url(f"/v1/sources/{source_id}"), json=fields, timeout=10)
        assert r.status_code == 200, f"PATCH /v1/sources/{source_id} -> {r.status_code}: {r.text}"
        return r.json()

    def delete_source(self, source_id: str) -> None:
        self.session.delete(self._url(f"/v1/sources/{source_id}"), timeout=10)

    def event(self, event_id: str) -> dict:
        # Read once, straight after the 2xx: an acknowledged event is committed, so it must be
        # readable at once. A retry here would hide an acknowledgement given too early.
        r = self.session.get(self._url(f"/v1/events/{event_id}"), timeout=10)
        assert r.status_code == 200, f"GET /v1/events/{event_id} right after its 2xx -> {r.status_code}: {r.text}"
        return r.json()

    def send(self, outgoing) -> requests.Response:
        return self.public.post(
            outgoing.url, data=outgoing.body, headers=outgoing.headers, timeout=10, allow_redirects=False
        )


@pytest.fixture(scope="session")
def api() -> HookstreamAPI:
    base_url = os.environ.get("HOOKSTREAM_BASE_URL", "").strip()
    api_key = os.environ.get("HOOKSTREAM_API_KEY", "").strip()
    missing = [n for n, v in (("HOOKSTREAM_BASE_URL", base_url), ("HOOKSTREAM_API_KEY", api_key)) if not v]
    if missing:
        pytest.fail(
            "provider tests need a running hookstream server: set "
            + " and ".join(missing)
            + " (e.g. HOOKSTREAM_BASE_URL=http://127.0.0.1:18123 HOOKSTREAM_API_KEY=<admin key>)",
            pytrace=False,
        )
    client = HookstreamAPI(base_url, api_key)
    try:
        client.session.get(client._url("/v1/sources/templates"), timeout=5)
    except requests.ConnectionError as error:
        pytest.fail(f"hookstream is not reachable at {base_url}: {error}", pytrace=False)
    return client


@pytest.fixture
def make_source(api):
    """Creates sources for one test and deletes them afterwards, so reruns start clean."""
    created = []

    def make(fields: dict) -> dict:
        source = api.create_source(fields)
        created.append(source["id"])
        return source

    yield make
    for source_id in created:
        api.delete_source(source_id)
