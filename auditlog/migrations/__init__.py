"""Migrations of the auditlog app."""
