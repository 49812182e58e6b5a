"""HTML pages of the library app: parse → service/query → template, no logic."""
