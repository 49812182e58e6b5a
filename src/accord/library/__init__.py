"""Library: case studies as templates, the PA-X import and search, the lessons register."""
