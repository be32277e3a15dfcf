"""The tag of an app image when `images.tag` is unset: the app's version and a digest of its build context.

An image rebuilt from changed code gets a new tag, so the manifests change with it and `ca3 deploy` rolls the pods
onto it (under one fixed tag, `imagePullPolicy: IfNotPresent` keeps every pod on the image a node already has);
unchanged code keeps its tag, so an unchanged redeploy rolls nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

# The version of apps/producer and apps/processor (their pyproject.toml; a test keeps them equal). It is also the
# `app.kubernetes.io/version` label, which stays put while the code under it changes.
APP_VERSION = "0.1.0"
DIGEST_LENGTH = 12
# What apps/.dockerignore keeps out of the build context (a test keeps the two lists equal): build droppings that
# docker never sees must not change the tag.
IGNORED_DIRECTORIES = ("__pycache__",)
IGNORED_SUFFIXES = (".pyc", ".egg-info")


def ignored(parts: tuple[str, ...]) -> bool:
    """True for a path (its parts under apps/) that the build context leaves out."""
    return any(part in IGNORED_DIRECTORIES or part.endswith(IGNORED_SUFFIXES) for part in parts)


def content_tag(files: Iterable[tuple[str, bytes]]) -> str:
    """`<APP_VERSION>-<digest>` of (path under apps/, content) pairs, in any order: paths and bytes both count."""
    digest = hashlib.sha256()
    for path, content in sorted(files):
        encoded = path.encode()
        for field in (encoded, content):
            digest.update(len(field).to_bytes(8, "big"))
            digest.update(field)
    return f"{APP_VERSION}-{digest.hexdigest()[:DIGEST_LENGTH]}"
