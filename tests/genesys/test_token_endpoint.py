"""Whatever the token endpoint answers, the caller gets an error of the tree saying what to do."""

from __future__ import annotations

import traceback
from typing import Any

import httpx
import pytest

from routingkit.genesys import (
    AuthenticationError,
    ConfigurationError,
    GenesysClient,
    GenesysError,
)
from routingkit.genesys.auth import ClientCredentials

LOGIN = "https://login.example.test"
TOKEN_URL = f"{LOGIN}/oauth/token"
SECRET = "s3cret-value-never-shown"
TOKEN = "tok-value-never-shown"
CAPTIVE_PORTAL = "<html><body>Sign in to the hotel Wi-Fi</body></html>"

ODD_ANSWERS: dict[str, tuple[httpx.Response, type[GenesysError], str]] = {
    "html with 200 (wrong host, captive portal)": (
        httpx.Response(200, text=CAPTIVE_PORTAL, headers={"content-type": "text/html"}),
        ConfigurationError,
        "answered 200 with text/html, not an OAuth token",
    ),
    "200 without access_token": (
        httpx.Response(200, json={"token_type": "bearer", "expires_in": 86400}),
        ConfigurationError,
        "without an access_token (fields: expires_in, token_type)",
    ),
    "200 with a JSON list": (
        httpx.Response(200, json=[TOKEN]),
        ConfigurationError,
        "a JSON list, not an OAuth token object",
    ),
    "expires_in that is not a number": (
        httpx.Response(200, json={"access_token": TOKEN, "expires_in": "soon"}),
        ConfigurationError,
        "expires_in='soon' (str), not a number of seconds",
    ),
    "a JSON list as error body": (
        httpx.Response(401, json=[{"error": "invalid_client"}]),
        AuthenticationError,
        "Unauthorized, application/json, not an OAuth error",
    ),
    "a redirect to a login page": (
        httpx.Response(302, text=CAPTIVE_PORTAL, headers={"location": "https://portal.test/"}),
        AuthenticationError,
        "Found, text/plain, not an OAuth error",
    ),
}


def _credentials(answer: httpx.Response) -> ClientCredentials:
    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == TOKEN_URL
        return answer

    return ClientCredentials("client-id", SECRET, LOGIN, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("case", list(ODD_ANSWERS))
def test_an_odd_token_answer_is_an_error_of_the_tree_naming_the_url_and_what_to_check(
    case: str,
) -> None:
    answer, expected, detail = ODD_ANSWERS[case]
    with pytest.raises(GenesysError) as failure:
        _credentials(answer).token()
    error = failure.value
    assert type(error) is expected
    text = str(error)
    assert TOKEN_URL in text and detail in text
    assert "GENESYSCLOUD_REGION" in text
    assert "proxy" in text
    shown = "".join(traceback.format_exception(error))
    assert SECRET not in shown and TOKEN not in shown
    for leak in ("JSONDecodeError", "KeyError", "AttributeError", "could not convert"):
        assert leak not in shown  # the raw parsing failure is not chained on


def test_the_client_raises_the_token_error_unwrapped() -> None:
    def api(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never reached
        return httpx.Response(200, json={})

    answer: Any = ODD_ANSWERS["html with 200 (wrong host, captive portal)"][0]
    client = GenesysClient(
        "https://api.example.test", _credentials(answer), transport=httpx.MockTransport(api)
    )
    with pytest.raises(ConfigurationError, match="text/html"):
        client.request("GET", "/api/v2/routing/queues")


def test_a_well_formed_token_is_used() -> None:
    auth = _credentials(
        httpx.Response(200, json={"access_token": TOKEN, "token_type": "bearer", "expires_in": 60})
    )
    assert auth.token() == TOKEN and auth.tokens_fetched == 1
