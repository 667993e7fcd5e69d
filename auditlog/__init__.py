"""Recording of SCIM requests, filtering and CSV export."""
