"""Placeholder, being written."""

from __future__ import annotations

import strawberry


@strawberry.type
class ConversionApplicationQuery:
    pass


@strawberry.type
class ConversionApplicationMutation:
    pass
