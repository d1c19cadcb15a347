"""`python -m audits.bite`: do the graded tests bite? The one dynamic check of the harness."""
