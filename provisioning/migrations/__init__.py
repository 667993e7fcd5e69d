"""Migrations of the provisioning app."""
