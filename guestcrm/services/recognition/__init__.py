"""Recognition: who arrives, which flags they carry and why, the desk's actions, duty-manager
notices."""
