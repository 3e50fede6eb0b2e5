"""The suite's common core: one place for config, errors, events, audit and persistence."""
