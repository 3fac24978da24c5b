"""Excel exports behind an SMS code."""
