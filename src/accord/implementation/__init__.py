"""Implementation: agreements, provisions, commitments with D+n deadlines, compliance and violation reports, PAM implementation scores."""
