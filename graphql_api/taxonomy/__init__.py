"""The achievement taxonomy as data: categories, subtypes, term lists, and their upkeep."""
