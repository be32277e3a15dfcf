"""Strict schema validation with kubernetes-validate's bundled OpenAPI schemas (offline).

Strict mode uses the schemas with `additionalProperties: false` at every level, so a misspelt or misplaced field
(`metadata.bogus`, `spec.template.spec.containers[0].imagePullPolicyy`) is an error instead of being ignored the way
the API server's non-strict decoding would drop it. kubernetes-validate reports the first error per object and version.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import kubernetes_validate
from kubernetes_validate import utils
from kubernetes_validate.utils import (
    InvalidSchemaError,
    SchemaNotFoundError,
    ValidationError,
)

from ca3cli.core.lint import crds
from ca3cli.core.lint.model import VERSIONS, Finding
from ca3cli.core.objects import KubeObject

# kubernetes-validate parses its large definitions file again for every object, and lists and sorts its bundled
# versions twice per object; the parsed schemas and the list are only read, so keep them (this makes linting a
# milestone about ten times faster, and the version list alone was two thirds of what was left).
if not hasattr(utils.schema_contents, "cache_info"):
    utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
if not hasattr(utils.all_versions, "cache_info"):
    utils.all_versions = functools.lru_cache(maxsize=None)(utils.all_versions)


def validate(objs: list[KubeObject], versions: tuple[str, ...] = VERSIONS) -> list[Finding]:
    """Validate every object against each Kubernetes version's strict schema."""
    findings = []
    for obj in objs:
        for version in versions:
            finding = validate_one(obj, version)
            if finding is not None:
                findings.append(finding)
    return findings


def _validate_custom(obj: KubeObject, version: str, schema: dict[str, Any]) -> Finding | None:
    """A custom resource against ca3's own strict schema of it (ca3cli/core/lint/crds.py), the first error."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(obj.doc))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return Finding(f"schema-{version}", obj.where, f"{where}: {error.message}")


def validate_one(obj: KubeObject, version: str) -> Finding | None:
    """The first error of `obj` against Kubernetes `version`'s strict schema (ca3's own for its custom resources)."""
    custom = crds.SCHEMAS.get((str(obj.doc.get("apiVersion")), str(obj.doc.get("kind"))))
    if custom is not None:
        return _validate_custom(obj, version, custom)
    try:
        kubernetes_validate.validate(obj.doc, version, strict=True)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.path) or "(top level)"
        return Finding(f"schema-{version}", obj.where, f"{where}: {exc.message}")
    except (SchemaNotFoundError, InvalidSchemaError) as exc:
        return Finding(f"schema-{version}", obj.where,
                       f"{exc.message}; use an API version that Kubernetes {version} serves.")
    except KeyError as exc:
        return Finding(f"schema-{version}", obj.where,
                       f"the object has no {exc.args[0]}; every object needs apiVersion and kind.")
    return None
