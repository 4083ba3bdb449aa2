"""WSGI entry point, for gunicorn: ``gunicorn collabstate.web.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
application = get_wsgi_application()
