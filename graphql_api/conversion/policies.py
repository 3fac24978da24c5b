"""Placeholder, being written."""

from __future__ import annotations

import strawberry


@strawberry.type
class ConversionPolicyQuery:
    pass


@strawberry.type
class ConversionPolicyMutation:
    pass
