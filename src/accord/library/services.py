"""Every state change of the library app: check policy, write, record, publish after commit."""
