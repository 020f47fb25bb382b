"""Reports: a programme's books, a provider's, and a programme's public figures."""
