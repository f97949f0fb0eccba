"""socialscore: the operator's command line, for a running `serve` and for a deployed stack."""
