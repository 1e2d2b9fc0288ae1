"""rotor's headless core: providers, cache, metrics, rotation, risk. Never imports textual."""
