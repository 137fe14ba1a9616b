"""Scoring runs and everything that reads their results: score, incremental, the results
seam, lists, exports, reports, a subject's file."""
