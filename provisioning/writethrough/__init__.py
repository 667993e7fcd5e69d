"""Write-through: every SCIM change applied to Jira before the SCIM tables commit.

`applier.apply_to_jira` is the `SCIM_CHANGE_APPLIER`; `journal` keeps the Jira creates that
a rolled-back write may have applied; docs/jira-writethrough.md describes the whole.
"""
