"""Demo modules, one experiment each; app.demos.registry finds them by listing this package."""
