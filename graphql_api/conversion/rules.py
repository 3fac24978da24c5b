"""Placeholder, being written."""

from __future__ import annotations

import strawberry


@strawberry.type
class ConversionRuleQuery:
    pass


@strawberry.type
class ConversionRuleMutation:
    pass
