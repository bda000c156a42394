"""Audit entity types and actions, spelt as the platform spells them.

From the official SDK's ``AuditTopicAuditLogMessage`` enums (``PureCloudPlatformClientV2`` 269):
only the values routing changes produce. There is no ``UserSkill`` entity type (a user's skills
and utilization are ``AgentRoutingInfo``) and no bare ``Add``/``Remove`` for queue members.
"""

from __future__ import annotations

from typing import Literal

AuditEntityType = Literal[
    "Queue",
    "RoutingSkill",
    "AgentRoutingInfo",
    "MaxOrgRoutingUtilizationCapacity",
    "WrapupCode",
    "Team",
    "SkillGroup",
]
AuditAction = Literal[
    "Create",
    "Update",
    "Delete",
    "MemberAdd",
    "MemberUpdate",
    "MemberRemove",
    "WrapupCodeAdd",
    "WrapupCodeRemove",
]
