"""Migrations of the configurations app."""
