"""The keys of rendered objects that passed the strict schemas (ca3cli/core/lint/verdicts.py), kept in the user's
cache folder (ca3cli/edges/user_cache.py: ca3/lint/<validators>) so that linting unchanged manifests again, as every
deploy does, neither validates them again nor loads jsonschema and the bundled schemas (about a quarter of the CPU
a dry-run deploy took).

One set per version of what decides a verdict: kubernetes-validate (its bundled schemas), jsonschema, referencing,
and ca3's own schema code and custom-resource schemas; a change to any of them starts an empty set. Only passes are
kept, so a finding is always worked out afresh. A set holds what recent runs passed, up to LIMIT keys.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ca3cli.core import lint
from ca3cli.core.lint.model import Finding
from ca3cli.core.objects import KubeObject
from ca3cli.edges import user_cache

FOLDER = PurePosixPath("lint")  # below the cache's ca3/
LIBRARIES = ("kubernetes-validate", "jsonschema", "referencing")
OWN_CODE = ("ca3cli.core.lint.schema", "ca3cli.core.lint.crds")  # read as source: importing them loads jsonschema
LIMIT = 4096


def fingerprint() -> str:
    """What a verdict depends on besides the object: the validators' versions and ca3's own schema code."""
    return user_cache.fingerprint(LIBRARIES, OWN_CODE)


def checked(objs: list[KubeObject]) -> list[Finding]:
    """lint.run over `objs`, validating against the strict schemas only what no earlier run passed, and keeping what
    passes now for the next run."""
    kept = user_cache.Entries(user_cache.home(), FOLDER / fingerprint())
    findings, passed = lint.check(objs, passed_before=frozenset(kept.kept))
    kept.add(dict.fromkeys(sorted(passed), ""))
    kept.save(LIMIT)
    return findings
