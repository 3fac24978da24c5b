"""Exports (导出) of the lists an institution manages, as .xlsx files to download."""
