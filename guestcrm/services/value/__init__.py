"""Value: stay counters, figures, the pyramid ranking and RFM settings, VIP levels."""
