"""Web UI: base templates, shared components, the label banner, static pipeline."""
