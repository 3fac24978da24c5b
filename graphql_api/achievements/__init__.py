"""Learner achievements (学员成果 / 我的成果): deposits, withdrawals, registrations, reviews."""
