"""Database backends of scimbridge: Django's own, with what a busy SCIM server needs."""
