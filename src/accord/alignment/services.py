"""Every state change of the alignment app: check policy, write, record, publish after commit."""
