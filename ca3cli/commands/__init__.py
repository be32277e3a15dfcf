"""One module per `ca3` command; each only parses options, calls the core and prints."""
