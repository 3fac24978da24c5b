"""Institutions' achievement catalogues (机构成果), their recognition by the bank, and the
taxonomy of categories, subtypes and terms."""
