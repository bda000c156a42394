"""Creating a named resource at most once, even when the answer to the POST is lost.

A create is not idempotent: when the connection drops after the org processed the POST, the
client cannot tell whether the resource exists, and sending it again blindly either makes a
duplicate or (names being unique) fails with 409 although the first POST worked. So after a
``TransportError`` the resource is looked up by its name first; only if it is not there is the
POST sent once more. Should that second POST meet 409 (the first one landed but was not listed
yet), the lookup is repeated before giving up.

A resource of that name that existed before the call (whose 409 was lost with the connection)
cannot be told apart from one this call created; both are returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConflictError, TransportError

if TYPE_CHECKING:
    from .client import GenesysClient

log = logging.getLogger("routingkit.genesys")

T = TypeVar("T")


def create_once(
    client: GenesysClient,
    path: str,
    body: Mapping[str, Any],
    *,
    name: str | None,
    parse: Callable[[Any], T],
    list_named: Callable[[str], Iterable[T]],
    name_of: Callable[[T], str | None],
    what: str,
) -> T:
    """POST ``body`` to ``path``; after a lost answer, find the result by ``name`` first.

    ``parse`` turns the POST's JSON into the model, ``list_named(name)`` lists candidates (a
    name-filtered GET, retried like any read), ``name_of`` reads a candidate's name; ``what``
    ("queue", "skill") goes into log lines. Without a ``name`` nothing can be looked up, and a
    lost answer is raised as it is.
    """
    payload = dict(body)
    try:
        return parse(client.request("POST", path, json=payload, idempotent=False))
    except TransportError as lost:
        if not name:
            raise
        log.info(
            "POST %s: the answer was lost (%s); looking for %s %r before sending it again",
            path,
            lost,
            what,
            name,
        )
        found = _named(name, list_named, name_of)
        if found is not None:
            return found
    try:
        return parse(client.request("POST", path, json=payload, idempotent=False))
    except ConflictError:
        found = _named(name, list_named, name_of)
        if found is not None:
            return found
        raise


def _named(
    name: str, list_named: Callable[[str], Iterable[T]], name_of: Callable[[T], str | None]
) -> T | None:
    wanted = name.strip()
    for candidate in list_named(name):
        if (name_of(candidate) or "").strip() == wanted:
            return candidate
    return None
