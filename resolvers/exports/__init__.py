"""Excel exports behind an SMS code: one module per kind of export, the shared part in `common`."""

from resolvers.exports.catalogue import export_catalogue
from resolvers.exports.conversion_applications import export_conversion_applications
from resolvers.exports.deposits import export_deposits
from resolvers.exports.learner_accounts import LearnerAccountFilter, export_learner_accounts

__all__ = [
    "LearnerAccountFilter",
    "export_catalogue",
    "export_conversion_applications",
    "export_deposits",
    "export_learner_accounts",
]
