"""Jira sites, directories and SCIM configurations with their credentials."""
