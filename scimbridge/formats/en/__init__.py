"""English (and en-us) formats."""
