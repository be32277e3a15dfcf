"""Operations built on the core and the edges: deploy, status, validate, load test, certs, chaos."""
