"""Every state change of the meetings app: check policy, write, record, publish after commit."""
