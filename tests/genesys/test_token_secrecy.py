"""The bearer token, like the client secret, never shows in displays of the auth objects."""

from __future__ import annotations

import pprint
from typing import Any

from routingkit.genesys import GenesysClient
from routingkit.genesys.auth import AccessToken, ClientCredentials, Secret

try:  # how a notebook displays a value
    from IPython.lib.pretty import pretty
except ImportError:  # pragma: no cover - without IPython, notebooks are not in play
    pretty = repr


def _displays(thing: Any) -> list[str]:
    """How a person or a notebook might look at an object (none of them pickles it)."""
    shown = [repr(thing), str(thing), f"{thing}", f"{thing!r}", pprint.pformat(thing)]
    shown.append(pretty(thing))
    if hasattr(thing, "__dict__"):
        shown += [str(vars(thing)), pprint.pformat(vars(thing)), pretty(vars(thing))]
    return shown


def test_a_fetched_token_never_shows_in_displays_of_client_auth(client: GenesysClient) -> None:
    client.people.skills()
    assert isinstance(client.auth, ClientCredentials)
    token = client.auth.token()
    assert len(token) > 8
    for shown in _displays(client.auth) + _displays(client):
        assert token not in shown
    assert isinstance(vars(client.auth)["_token"], Secret)


def test_a_given_access_token_never_shows() -> None:
    token = "given-access-token-0123456789"
    auth = AccessToken(token)
    for shown in _displays(auth) + _displays(GenesysClient("https://api.example.test", auth)):
        assert token not in shown


def test_a_secret_shows_as_hidden_and_reveals_on_request() -> None:
    secret = Secret("abc-very-secret")
    assert all(shown == "<hidden>" for shown in _displays(secret))
    assert secret.reveal() == "abc-very-secret"
