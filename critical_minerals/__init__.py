"""Logic behind the North American critical-minerals report: data sources, tidy tables, analysis, figures, build."""
