"""The Genesys Cloud vocabulary: names, fields and defaults the platform defines.

One home for what the client, the sandbox and the policy must agree on, importable without an
HTTP client or a web framework (standard library only): media types in their three
vocabularies and the conversions between them (:mod:`.media`), the queue's fields and which the
platform owns (:mod:`.queue_fields`), audit entity types and actions (:mod:`.audit`), and the
conversation aggregate query on the wire (:mod:`.analytics`, imported explicitly).
"""

from .audit import AuditAction, AuditEntityType
from .media import (
    ANALYTICS_MEDIA_TYPES,
    MAX_MEDIA_CAPACITY,
    MEDIA_KEYS,
    WFM_MEDIA_TYPES,
    AnalyticsMediaType,
    MediaKey,
    WfmMediaType,
    analytics_media_type,
    default_utilization,
    queue_media_key,
    wfm_media_type,
)
from .queue_fields import (
    CREATE_ONLY_QUEUE_FIELDS,
    MEMBER_GROUP_TYPES,
    QUEUE_FIELDS,
    READ_ONLY_QUEUE_FIELDS,
    MemberGroupType,
    default_media_settings,
    queue_defaults,
    unknown_queue_fields,
    writable_queue,
)

__all__ = [
    "ANALYTICS_MEDIA_TYPES",
    "CREATE_ONLY_QUEUE_FIELDS",
    "MAX_MEDIA_CAPACITY",
    "MEDIA_KEYS",
    "MEMBER_GROUP_TYPES",
    "QUEUE_FIELDS",
    "READ_ONLY_QUEUE_FIELDS",
    "WFM_MEDIA_TYPES",
    "AnalyticsMediaType",
    "AuditAction",
    "AuditEntityType",
    "MediaKey",
    "MemberGroupType",
    "WfmMediaType",
    "analytics_media_type",
    "default_media_settings",
    "default_utilization",
    "queue_defaults",
    "queue_media_key",
    "unknown_queue_fields",
    "wfm_media_type",
    "writable_queue",
]
