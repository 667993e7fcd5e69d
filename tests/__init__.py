"""Test suite of scimbridge; mirrors the source tree."""
