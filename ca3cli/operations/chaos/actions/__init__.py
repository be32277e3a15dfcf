"""Chaos actions as strategies: one module per kind of fault, each behind the Protocol in `base` (plan text,
precondition, inject and undo, recovery start and test, Chaos Toolkit activities). A new kind of experiment is one
module here and a row in ca3cli/operations/chaos/catalogue.py."""

from __future__ import annotations

from ca3cli.operations.chaos.actions import cut_off, delete_pod, drain_node, kill_main, lose_volume
from ca3cli.operations.chaos.actions.base import Action
from ca3cli.operations.chaos.model import Experiment

ACTIONS: dict[str, Action] = {a.kind: a for a in (delete_pod.ACTION, kill_main.ACTION, cut_off.ACTION,
                                                  drain_node.ACTION, lose_volume.ACTION)}


def of(exp: Experiment) -> Action:
    """The strategy behind an experiment (its `action`)."""
    return ACTIONS[exp.action]
