"""Chapter 04: project archetypes, cash flows, NPV and IRR, production subsidies and section 45X eligibility."""
