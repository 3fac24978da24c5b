"""Certificates (证明): requests, numbers, provenance, signed credentials, rendering and public
verification.

The use-cases the API calls on a learner's or an administrator's behalf, by their package name."""

from resolvers.certificates.lifecycle import (
    STATUS_LABELS,
    end_certificate,
    extend_certificate,
    get_own,
    list_own,
    revoke_certificate,
)
from resolvers.certificates.requests import request_certificate

__all__ = [
    "STATUS_LABELS",
    "end_certificate",
    "extend_certificate",
    "get_own",
    "list_own",
    "request_certificate",
    "revoke_certificate",
]
