"""Media vocabulary at the workload boundary: tables speak analytics (``voice``, ``chat``...).

Queue and utilization settings say ``call`` where analytics says ``voice``; callers may use
either in ``media_types`` arguments, and the name is converted here, once.
"""

from __future__ import annotations

from collections.abc import Iterable

from routingkit.genesys.models import analytics_media_type

# Analytics media types routingkit models (the platform has a few more, e.g. cobrowse, video,
# that carry no ACD queue workload).
MEDIA_TYPES: tuple[str, ...] = ("voice", "chat", "email", "callback", "message")


def analytics_media_types(media_types: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Normalised, de-duplicated, sorted analytics media types; None means every media type.

    Raises ValueError naming the unknown type and listing the known ones.
    """
    if media_types is None:
        return None
    names = [media_types] if isinstance(media_types, str) else list(media_types)
    if not names:
        raise ValueError(
            "media_types is empty; pass None for every media type, or some of "
            + ", ".join(MEDIA_TYPES)
        )
    out: set[str] = set()
    for raw in names:
        name = analytics_media_type(str(raw).lower())
        if name not in MEDIA_TYPES:
            raise ValueError(
                f"media type {raw!r} is not one of {', '.join(MEDIA_TYPES)} "
                "(analytics vocabulary; 'call' is accepted for 'voice')"
            )
        out.add(name)
    return tuple(sorted(out))
