"""Excel imports (导入记录): starting an import and its record, the background runner and the row
checks of each kind of import.

The use-cases the API calls on an institution's behalf, by their package name."""

from resolvers.imports.runner import imported_rows_file
from resolvers.imports.start import ImportRequest, get_record, list_records, start_import

__all__ = ["ImportRequest", "get_record", "imported_rows_file", "list_records", "start_import"]
