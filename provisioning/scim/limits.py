"""Size limits of SCIM values, shared by validation and the table definitions."""

# Jira holds usernames, full names and group names of up to 255 characters; longer values
# get 400. Indexed strings also stay below PostgreSQL's btree entry limit (~2700 bytes).
USER_NAME_MAX_LENGTH = 255
DISPLAY_NAME_MAX_LENGTH = 255
GROUP_NAME_MAX_LENGTH = 255
EXTERNAL_ID_MAX_LENGTH = 512
# Values per multi-valued attribute of one user.
MAX_VALUES = 1000
