"""outputs/operator-procedures.md: what an operator sees and runs for each failure, written from the registry, the
rendered manifests, their alert rules and the dashboards catalogue, never by hand."""

from ca3cli.operations.procedures.document import render_operator_procedures, write_operator_procedures

__all__ = ["render_operator_procedures", "write_operator_procedures"]
