"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi ..."""

from guestcrm import create_app

app = create_app()
