"""HTML pages of the implementation app: parse → service/query → template, no logic."""
