"""Tests of the Jira REST client, run against the fake Jira over real HTTP."""
