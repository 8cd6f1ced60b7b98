"""Access: staff accounts, API tokens and webhook credentials."""
