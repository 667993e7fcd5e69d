"""Tests of the configurations app."""
