"""Social and OpenID Connect providers for guest sign-in: their endpoints and claims, as data."""
