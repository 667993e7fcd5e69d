"""`manage.py auditlog`."""
