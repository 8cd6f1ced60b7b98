"""Direct-booking perks: offer rules, simulation, issuing, validation, redemption, analytics."""
