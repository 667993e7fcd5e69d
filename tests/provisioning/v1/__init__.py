"""Tests of the SCIM 1.1 API and its translation to and from the 2.0 core."""
