"""The first voters of Kafka's dynamic KRaft quorum (KIP-853): `--initial-controllers` for `kafka-storage format`.

Every broker of a new cluster must be formatted with the same list, `id@host:port:directory-id`, so the directory
ids are fixed in advance, derived from the cluster id and the node id. A broker that lost its volume is formatted
without them (a random directory id, as an observer), so an empty log never votes as the old one did.
"""

from __future__ import annotations

import base64
import uuid

# kafka-scripts' quorum.sh as the broker container mounts it: Kafka's quorum tool against this cluster's controllers
# (kafka/kafka-scripts-configmap.yaml.j2; tests/chaos/test_lose_volume.py checks it against the rendered StatefulSet).
QUORUM_SCRIPT = "/etc/ca3/kafka/quorum.sh"


def directory_id(cluster_id: str, node_id: int) -> str:
    """Node `node_id`'s directory id in a new cluster: 16 bytes derived from the cluster id, written as Kafka writes
    a Uuid (URL-safe base64 without padding, 22 characters)."""
    raw = uuid.uuid5(uuid.NAMESPACE_URL, f"ca3:kraft:{cluster_id}:{node_id}").bytes
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
