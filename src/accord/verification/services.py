"""Every state change of the verification app: check policy, write, record, publish after commit."""
