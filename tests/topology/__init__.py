"""scripts/topology-check: the production topology run for real on one machine."""
