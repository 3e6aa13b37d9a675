"""Domain services: every write to the contact-center domain goes through these."""
