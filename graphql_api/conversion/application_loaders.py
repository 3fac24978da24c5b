"""DataLoaders of conversion applications: one query per list, never one per row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApplicationLoaders:
    """Created per request with the other loaders (``info.context.loaders.applications``)."""
