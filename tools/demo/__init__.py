"""`make demo`: a programme year driven through the gateway with a generated Python client."""
