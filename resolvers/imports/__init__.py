"""Excel imports (导入记录): the background runner and the row checks of each kind of import."""
