"""DataLoaders of conversion rules: one query per list, never one per row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RuleLoaders:
    """Created per request with the context's other loaders (``info.context.loaders.rules``)."""
