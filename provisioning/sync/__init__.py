"""Directory utilities: Sync Users & Groups, Remove Directory, Clear tables, last-login info."""
