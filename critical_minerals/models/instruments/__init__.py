"""Chapter 05: the instruments governments used in 2025-26, valued with the report's machinery."""
