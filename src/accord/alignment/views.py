"""HTML pages of the alignment app: parse → service/query → template, no logic."""
