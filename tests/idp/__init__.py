"""End-to-end replays of identity providers' SCIM traffic against a live server and a fake Jira."""
