"""What every domain uses: errors, actors, validation, masking, the audit log, pages, the clock,
ids, storage, background jobs, throttles, files and bulk row writing."""
