"""Tests of the provisioning app."""
