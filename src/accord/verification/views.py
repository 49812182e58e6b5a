"""HTML pages of the verification app: parse → service/query → template, no logic."""
