"""Workflow-level commands (`plan`, `check`) and helpers the Snakefile uses (run lock, stage versions)."""
