"""Marshmallow schemas: the canonical reservation and the API shapes."""
