"""SCIM protocol data turned into SQL: where attributes live, filters, sorting, functions."""
