"""Chapter 3 (02b): where U.S. mineral imports come from and how concentrated each stage is."""
