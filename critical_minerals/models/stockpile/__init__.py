"""Chapter 03: what a North American critical-minerals stockpile would cost."""
