"""Media types in the platform's three vocabularies, the conversions between them, and the
platform's per-media defaults.

The same interaction type has three spellings:

- queue ``mediaSettings`` and ``utilization`` keys: ``call``, ``callback``, ``chat``, ``email``,
  ``message`` (the official SDK's ``QueueMediaSettings`` and ``UtilizationRequest``);
- analytics' ``mediaType`` dimension: ``voice`` where the others say ``call`` (and lower case);
- workforce management (planning groups' route paths, forecasts): ``Voice``, ``Chat``,
  ``Email``, ``Callback``, ``Message`` (the SDK's ``RoutePathRequest.mediaType``).

Convert at the boundary, once, with :func:`queue_media_key`, :func:`analytics_media_type` and
:func:`wfm_media_type`; each accepts a name in any of the three vocabularies. Names outside the
five routingkit models (analytics' ``cobrowse``, WFM's ``Workitem``...) pass through in the
target's letter case, so a value the platform adds later is carried rather than refused.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

MediaKey = Literal["call", "callback", "chat", "email", "message"]
AnalyticsMediaType = Literal["voice", "callback", "chat", "email", "message"]
WfmMediaType = Literal["Voice", "Callback", "Chat", "Email", "Message"]

MEDIA_KEYS: tuple[MediaKey, ...] = ("call", "callback", "chat", "email", "message")
ANALYTICS_MEDIA_TYPES: tuple[AnalyticsMediaType, ...] = (
    "voice",
    "callback",
    "chat",
    "email",
    "message",
)
WFM_MEDIA_TYPES: tuple[WfmMediaType, ...] = ("Voice", "Callback", "Chat", "Email", "Message")


def queue_media_key(media: str) -> str:
    """The queue/utilization key for a media type named in any vocabulary.

    ``voice`` and ``Voice`` become ``call``; ``Chat`` becomes ``chat``.
    """
    name = media.lower()
    return "call" if name == "voice" else name


def analytics_media_type(media: str) -> str:
    """The analytics ``mediaType`` for a media type named in any vocabulary.

    ``call`` and ``Voice`` become ``voice``; ``Chat`` becomes ``chat``.
    """
    name = media.lower()
    return "voice" if name == "call" else name


def wfm_media_type(media: str) -> str:
    """The workforce-management media type for a name in any vocabulary.

    ``call`` and ``voice`` become ``Voice``; ``chat`` becomes ``Chat``.
    """
    name = analytics_media_type(media)
    return name[:1].upper() + name[1:]


# What a media type's utilization is when nothing set it: an org utilization PUT resets every
# media type it omits to these, and a DELETE restores them all (GENESYS_API.md, "Members,
# skills, utilization"). The values are the ones the sandbox has always served; the platform's
# exact defaults are unconfirmed.
_DEFAULT_UTILIZATION: dict[str, dict[str, Any]] = {
    "call": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "callback": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "chat": {"maximumCapacity": 4, "interruptableMediaTypes": [], "includeNonAcd": False},
    "email": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "message": {"maximumCapacity": 4, "interruptableMediaTypes": [], "includeNonAcd": False},
}

# A utilization's maximumCapacity per media type: 0 to 25 (GENESYS_API.md, utilization).
MAX_MEDIA_CAPACITY = 25


def default_utilization() -> dict[str, dict[str, Any]]:
    """The platform's default utilization per media type, as API JSON (a fresh copy)."""
    return copy.deepcopy(_DEFAULT_UTILIZATION)
