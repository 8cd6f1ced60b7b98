"""The guest portal: sign-in identities, guest sessions, linking a profile, self-service."""
