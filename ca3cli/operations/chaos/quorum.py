"""Whether a Kafka broker that lost its volume is a KRaft voter again, judged from what Kafka's own files and tools
say inside its pod. Pure, so the texts Kafka prints test it.

- `kafka-metadata-quorum.sh describe --replication` prints a table (Kafka's tools/MetadataQuorumCommand.java): the
  header `NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status`, then one row per
  replica, the leader (`Leader`), the other voters (`Follower`), then the observers (`Observer`), each cell padded
  to its column and followed by a tab.
- A formatted log directory's `meta.properties` (java.util.Properties) holds `node.id` and `directory.id`, the
  Uuid Kafka writes as 22 characters of URL-safe base64.

A volume formatted again has a new directory id; until auto-join replaces the broker's old voter entry with it, the
broker is listed as an observer and the old entry (the same node id, the lost directory id) as a voter.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = ("NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status")
VOTING = ("Leader", "Follower")


class Unreadable(ValueError):
    """Kafka's output is not in the shape its source prints."""


@dataclass(frozen=True)
class Replica:
    node: int
    directory: str
    status: str  # Leader, Follower or Observer

    @property
    def voter(self) -> bool:
        return self.status in VOTING


def replicas(table: str) -> tuple[Replica, ...]:
    """The rows of `describe --replication`; Unreadable when the text is not that table."""
    lines = [line for line in table.splitlines() if line.strip()]
    if not lines or tuple(lines[0].split()) != HEADER:
        raise Unreadable("not the table kafka-metadata-quorum.sh describe --replication prints: "
                         f"{table.strip()[:200]!r}")
    rows = []
    for line in lines[1:]:
        cells = line.split()
        if len(cells) != len(HEADER) or not cells[0].isdigit() or cells[-1] not in (*VOTING, "Observer"):
            raise Unreadable(f"a row kafka-metadata-quorum.sh does not print: {line.strip()!r}")
        rows.append(Replica(int(cells[0]), cells[1], cells[-1]))
    return tuple(rows)


def directory_id(meta_properties: str) -> str:
    """The `directory.id` a formatted log directory's meta.properties holds ("" when none)."""
    for line in meta_properties.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "directory.id":
            return value.strip()
    return ""


def rejoined(rows: tuple[Replica, ...], node: int, directory: str, voters: int) -> str:
    """Why node `node`, on the volume with `directory`, is not a voter in place of its old entry in a quorum of
    `voters` ("" when it is)."""
    if not directory:
        return f"node {node}'s log directory has no directory.id (meta.properties)"
    mine = [r for r in rows if r.node == node]
    if not any(r.directory == directory and r.voter for r in mine):
        now = next((r.status.lower() for r in mine if r.directory == directory), "")
        return (f"node {node} with its new directory id {directory} is " +
                (f"an {now}, not a voter" if now else "not in the quorum"))
    stale = [r.directory for r in mine if r.voter and r.directory != directory]
    if stale:
        return f"node {node}'s old voter entry (directory id {', '.join(stale)}) is still in the quorum"
    found = sorted(r.node for r in rows if r.voter)
    if len(found) < voters:
        return f"the quorum has {len(found)} voters ({', '.join(map(str, found))}), not {voters}"
    return ""


def summary(rows: tuple[Replica, ...], node: int, directory: str) -> str:
    """What a rejoined quorum looks like, in one line for the journal."""
    status = next(r.status for r in rows if r.node == node and r.directory == directory)
    voters = ", ".join(f"{r.node} ({r.status})" for r in rows if r.voter)
    return f"node {node} is a voter again ({status}) with its new directory id {directory}; voters: {voters}"
