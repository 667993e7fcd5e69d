"""Directory utilities: Sync Users & Groups, Remove Directory, Clear tables, last-login info.

One unit: its models, runs, services, Celery tasks, admin pages and command runner
(docs/sync.md, "Where the code lives").
"""
