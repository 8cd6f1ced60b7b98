"""flask --app wsgi <command>: one module per command group."""
