"""Report: building the one ``CaseStudy`` from the store (the only place the pipeline is wired)
and the PR drill-down behind a figure."""
