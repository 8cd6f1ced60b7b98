"""Staff work on guests: search, the full profile, corrections of core fields."""
