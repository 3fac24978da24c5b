"""Tortoise models of the credit bank, one module per aggregate.

Every model is re-exported here so that Tortoise discovers them from the single module
``models`` and migrations live in ``models.migrations``.
"""

from models.accounts import Gender, IdType, Learner, LearnerStatus
from models.admins import Administrator
from models.audit import AuditEntry
from models.auth import ApiToken, SessionToken, SubjectKind, VerificationCode
from models.institutions import (
    Institution,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
)

__all__ = [
    "Administrator",
    "ApiToken",
    "AuditEntry",
    "Gender",
    "IdType",
    "Institution",
    "InstitutionKind",
    "InstitutionStatus",
    "InstitutionUser",
    "InstitutionUserStatus",
    "Learner",
    "LearnerStatus",
    "SessionToken",
    "SubjectKind",
    "VerificationCode",
]
