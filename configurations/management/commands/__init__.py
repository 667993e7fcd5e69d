"""Management commands of the configurations app."""
