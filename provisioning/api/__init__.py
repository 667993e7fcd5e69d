"""DRF plumbing of the SCIM API: authentication, parsers, renderers, errors, views."""
