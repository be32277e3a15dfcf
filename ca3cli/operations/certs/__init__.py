"""`ca3 certs`: a private CA and the certificates of every TLS link, kept in the git-ignored .ca3/certs/ and in
Kubernetes Secrets. Pure planning (names), issuing (authority), files (store), cluster objects (objects), reading
certificates back (inspect), rotation (rotate) and the hand-in summary (summary)."""
