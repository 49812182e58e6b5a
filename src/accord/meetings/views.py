"""HTML pages of the meetings app: parse → service/query → template, no logic."""
