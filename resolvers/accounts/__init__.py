"""Accounts (学习账户, 机构, 管理员): registration, logins, sessions, verification codes,
API tokens, institution users and the learner accounts institutions keep."""
