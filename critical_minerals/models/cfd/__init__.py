"""Chapter 04: price-support instruments (contracts for difference and others) valued on simulated paths."""
