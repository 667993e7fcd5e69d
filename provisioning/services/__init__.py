"""Write services: every SCIM write, each through the one Jira seam in `apply`."""
