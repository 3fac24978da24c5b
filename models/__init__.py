"""Tortoise models of the credit bank, one module per aggregate.

Every model is re-exported here so that Tortoise discovers them from the single module
``models`` and migrations live in ``models.migrations``.
"""

from models.accounts import Gender, IdType, Learner, LearnerStatus
from models.achievements import (
    AchievementSource,
    AchievementStatus,
    InstitutionAchievement,
    LearnerAchievement,
    RecognitionStatus,
)
from models.admins import Administrator
from models.audit import AuditEntry
from models.auth import ApiToken, SessionToken, SubjectKind, VerificationCode
from models.certificates import (
    Certificate,
    CertificateAchievement,
    CertificateKind,
    CertificateVerification,
    SigningKey,
)
from models.conversion import (
    ApplicationStatus,
    ConversionApplication,
    ConversionApplicationSource,
    ConversionBatch,
    ConversionPolicy,
    ConversionReview,
    ConversionRule,
    ConversionRuleSource,
    ConversionRuleTarget,
    Initiator,
    PolicyStatus,
    ReviewDecision,
    RuleCodeSequence,
    RuleStatus,
    RuleType,
    TargetKind,
)
from models.feedback import FeedbackReply, FeedbackStatus, ProblemFeedback, ProblemType
from models.files import StoredFile
from models.imports import ImportJob, ImportKind, ImportStatus, MatchBy
from models.institutions import (
    Institution,
    InstitutionKind,
    InstitutionStatus,
    InstitutionUser,
    InstitutionUserStatus,
)
from models.messages import Message, RecipientKind
from models.taxonomy import (
    AchievementCategory,
    AchievementSubtype,
    DetailSchema,
    SubtypeAuthorisation,
    TaxonomyTerm,
    TermKind,
)

__all__ = [
    "AchievementCategory",
    "AchievementSource",
    "AchievementStatus",
    "AchievementSubtype",
    "Administrator",
    "ApiToken",
    "ApplicationStatus",
    "AuditEntry",
    "Certificate",
    "CertificateAchievement",
    "CertificateKind",
    "CertificateVerification",
    "ConversionApplication",
    "ConversionApplicationSource",
    "ConversionBatch",
    "ConversionPolicy",
    "ConversionReview",
    "ConversionRule",
    "ConversionRuleSource",
    "ConversionRuleTarget",
    "DetailSchema",
    "FeedbackReply",
    "FeedbackStatus",
    "Gender",
    "IdType",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "Initiator",
    "Institution",
    "InstitutionAchievement",
    "InstitutionKind",
    "InstitutionStatus",
    "InstitutionUser",
    "InstitutionUserStatus",
    "Learner",
    "LearnerAchievement",
    "LearnerStatus",
    "MatchBy",
    "Message",
    "PolicyStatus",
    "ProblemFeedback",
    "ProblemType",
    "RecipientKind",
    "RecognitionStatus",
    "ReviewDecision",
    "RuleCodeSequence",
    "RuleStatus",
    "RuleType",
    "SessionToken",
    "SigningKey",
    "StoredFile",
    "SubjectKind",
    "SubtypeAuthorisation",
    "TargetKind",
    "TaxonomyTerm",
    "TermKind",
    "VerificationCode",
]
