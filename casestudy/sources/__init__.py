"""Sources that produce canonical records: GitHub, a local git clone, files."""
