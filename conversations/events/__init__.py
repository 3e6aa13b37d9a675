"""Domain events: typed builders, the outbox that records them, who receives them, the
legacy v2 translation, and every push to the agent desktop."""
