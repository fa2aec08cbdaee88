"""Chapter 02: how the partners' mineral supply fits together (shares, similarity, concentration, headroom, trend)."""
