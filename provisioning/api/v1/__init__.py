"""The SCIM 1.1 API at /scim/v1/: the 2.0 views with 1.1 translation in and out."""
