"""The retired 8x8 Contact Center Chat API v2, served on the same domain model as the Gateway."""
