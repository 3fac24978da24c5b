"""Excel workbooks: the template layouts, the safe reader of uploads and the streaming writer."""
