"""Helpers the Snakefile imports: the run lock (:mod:`.runlock`) and the stages' code versions (:mod:`.versions`)."""
