"""Price models: calibration to the monthly price panel and simulation of price paths (chapters 03-05)."""
