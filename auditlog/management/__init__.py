"""Management commands of the audit log."""
