"""Learner achievements (学员成果 / 个人成果) as graphql_api/achievements calls them: the use-cases
live in deposits, withdrawal, registrations and reviews; this module only names them together."""

from __future__ import annotations

from resolvers.achievements.deposits import (
    DepositFilter,
    DepositInput,
    deposit_achievement,
    get_deposit,
    list_deposits,
)
from resolvers.achievements.registrations import (
    OwnFilter,
    RegistrationInput,
    delete_registrations,
    get_own,
    list_own,
    own_counts,
    register_achievement,
    update_registration,
)
from resolvers.achievements.reviews import list_pending, review_registration
from resolvers.achievements.withdrawal import withdraw_achievements

__all__ = [
    "DepositFilter",
    "DepositInput",
    "OwnFilter",
    "RegistrationInput",
    "delete_registrations",
    "deposit_achievement",
    "get_deposit",
    "get_own",
    "list_deposits",
    "list_own",
    "list_pending",
    "own_counts",
    "register_achievement",
    "review_registration",
    "update_registration",
    "withdraw_achievements",
]
