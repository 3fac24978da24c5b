"""The model enumerations as GraphQL enums (their Chinese label is exposed as a field)."""

from __future__ import annotations

import strawberry

from models import DetailSchema as _DetailSchema
from models import Gender as _Gender
from models import IdType as _IdType
from models import InstitutionKind as _InstitutionKind
from models import InstitutionStatus as _InstitutionStatus
from models import InstitutionUserStatus as _InstitutionUserStatus
from models import LearnerStatus as _LearnerStatus
from models import RecognitionStatus as _RecognitionStatus
from models import TermKind as _TermKind
from resolvers.codes import CodePurpose as _CodePurpose

IdType = strawberry.enum(_IdType, name="IdType", description="证件类型")
Gender = strawberry.enum(_Gender, name="Gender", description="性别")
LearnerStatus = strawberry.enum(_LearnerStatus, name="LearnerStatus", description="学习账户状态")
InstitutionKind = strawberry.enum(_InstitutionKind, name="InstitutionKind", description="机构类型")
InstitutionStatus = strawberry.enum(
    _InstitutionStatus, name="InstitutionStatus", description="机构审核状态"
)
InstitutionUserStatus = strawberry.enum(
    _InstitutionUserStatus, name="InstitutionUserStatus", description="机构用户状态"
)
CodePurpose = strawberry.enum(_CodePurpose, name="CodePurpose", description="验证码用途")
DetailSchema = strawberry.enum(
    _DetailSchema,
    name="DetailSchema",
    description="成果附属信息的种类 (which typed fields a subtype has)",
)
TermKind = strawberry.enum(_TermKind, name="TermKind", description="术语列表 (层次, 学科门类 …)")
RecognitionStatus = strawberry.enum(
    _RecognitionStatus, name="RecognitionStatus", description="机构成果认定状态"
)
