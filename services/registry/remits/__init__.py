"""Department remits: which enterprise fields a department may change, which records it may file."""
