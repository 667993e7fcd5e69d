"""WSGI entry point (gunicorn -c deploy/gunicorn.conf.py, or gunicorn scimbridge.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from scimbridge.serving import ChunkedBodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings")

application = ChunkedBodies(get_wsgi_application())
