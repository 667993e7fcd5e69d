"""The SCIM protocol as plain Python: errors, filters, PATCH, leniency and the two dialects."""
