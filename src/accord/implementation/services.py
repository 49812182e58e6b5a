"""Every state change of the implementation app: check policy, write, record, publish after commit."""
