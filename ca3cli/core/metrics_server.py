"""Which metrics-server release a cluster's Kubernetes version supports: the newest one whose range covers it.

A release outside its range may not serve the metrics API at all (0.9.x needs Kubernetes 1.34+), and ca3 deploys
to 1.28 and newer, so the install hint and `ca3 cluster create` pick from this table instead of one pinned release.
"""

from __future__ import annotations

# The compatibility matrix of kubernetes-sigs/metrics-server's README ("Compatibility Matrix", as of its commit
# 5ed5d3a, 2026-08-04: 0.9.x 1.34+, 0.8.x 1.31+, 0.7.x 1.27+), each minor with its newest patch release
# (https://github.com/kubernetes-sigs/metrics-server/releases), newest first. Check both before adding a row.
RELEASES: tuple[tuple[tuple[int, int], str], ...] = (
    ((1, 34), "v0.9.0"),
    ((1, 31), "v0.8.1"),
    ((1, 27), "v0.7.2"),
)
SOURCE = "https://github.com/kubernetes-sigs/metrics-server#compatibility-matrix"


def release_for(version: tuple[int, int]) -> str | None:
    """The newest release supporting Kubernetes `version` (major, minor), or None when the table has none."""
    return next((release for oldest, release in RELEASES if version >= oldest), None)


def manifest(release: str) -> str:
    """The release's install manifest."""
    return f"https://github.com/kubernetes-sigs/metrics-server/releases/download/{release}/components.yaml"
