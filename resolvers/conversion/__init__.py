"""Conversion (成果转换): policies, rules, applications, reviews, records and what a learner can
convert to."""
