"""Tests of the auditlog app."""
