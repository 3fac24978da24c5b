"""Conversion (成果转换): policies, rules, applications, reviews and records."""
