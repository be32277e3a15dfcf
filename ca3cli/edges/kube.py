"""The one place that runs kubectl: every cluster call is logged, can be dry-run, has a timeout and a readable error
(through the process door, edges/process.py)."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ca3cli.core.errors import Ca3Error, KubectlAnswerError, KubectlError, KubectlNotFound, KubectlTimeout
from ca3cli.edges import process
from ca3cli.edges.process import Popen, Result

if TYPE_CHECKING:
    from ca3cli.core.kubeobjects import Secret  # 65 TypedDicts, about 4 ms to import: a render reads none of them

__all__ = ["Kubectl", "Result", "reason", "secret_value"]

log = logging.getLogger("ca3.kubectl")


@dataclass
class Kubectl:
    """Runs kubectl against one context and namespace.

    `dry_run` makes mutating calls (those passed `mutating=True`) log what they would do and return success without
    running; read-only calls still run, so a plan can be built against a live cluster.
    """

    context: str | None = None
    namespace: str | None = None
    dry_run: bool = False
    executable: str = "kubectl"
    default_timeout: float = 60.0
    calls: list[list[str]] = field(default_factory=list)
    on_result: Callable[[Result], None] | None = None  # sees every finished call (the run log); stdin never passed

    def command(self, *args: str, namespaced: bool = True) -> list[str]:
        """The full argument vector for a kubectl call, with context and namespace flags first."""
        argv = [self.executable]
        if self.context:
            argv += ["--context", self.context]
        if namespaced and self.namespace:
            argv += ["--namespace", self.namespace]
        return argv + list(args)

    def _resolve(self) -> None:
        if not process.found(self.executable):
            raise KubectlNotFound(
                f"`{self.executable}` was not found on PATH. Install kubectl "
                "(https://kubernetes.io/docs/tasks/tools/) and make sure `kubectl version --client` works."
            )

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
        mutating: bool = False,
        namespaced: bool = True,
        ok_codes: tuple[int, ...] = (0,),
    ) -> Result:
        """Run kubectl and return its result; raise KubectlError for an exit code outside `ok_codes` when `check`.

        `input` (for example a Secret manifest) is passed on stdin and never logged.
        """
        argv = self.command(*args, namespaced=namespaced)
        if mutating and self.dry_run:
            log.info("dry-run, not running: %s", " ".join(argv))
            return Result(argv, 0, "", "")
        self._resolve()
        limit = timeout if timeout is not None else self.default_timeout
        self.calls.append(argv)
        try:
            result = process.run(argv, input=input, timeout=limit, on_result=self.on_result)
        except process.ProgramTimeout as exc:
            raise KubectlTimeout(
                f"`{' '.join(argv)}` did not finish within {limit:g}s. Check that the cluster is reachable "
                "(`kubectl cluster-info`) or raise the timeout."
            ) from exc
        if check and result.returncode not in ok_codes:
            raise KubectlError(argv, result.returncode, result.stdout, result.stderr)
        return result

    def get_json(self, *args: str, timeout: float | None = None, namespaced: bool = True) -> object:
        """Run a read-only kubectl call with `-o json` and return the parsed document, untyped: objects are read
        through edges/kuberead.py, which types them."""
        result = self.run(*args, "-o", "json", timeout=timeout, namespaced=namespaced)
        try:
            doc: object = json.loads(result.stdout or "null")
        except json.JSONDecodeError as exc:
            raise KubectlAnswerError(result.args, result.stdout, f"its output is not JSON ({exc})") from exc
        return doc

    def start(self, *args: str, namespaced: bool = True) -> Popen[str]:
        """Start a long-running kubectl (port-forward, logs -f); the caller stops it with `process.stop`."""
        self._resolve()
        argv = self.command(*args, namespaced=namespaced)
        self.calls.append(argv)
        return process.start(argv)


# klog's prefix (`E1201 08:00:00.123456   4711 memcache.go:265] ...`): kubectl's internal log, not its answer.
KLOG_LINE = re.compile(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ \S+:\d+\] ")


def reason(output: str) -> str:
    """What kubectl said went wrong: its last line that is not a klog line (those repeat the cause less clearly)."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not KLOG_LINE.match(line.strip())]
    return lines[-1] if lines else ""


WARNING = "Warning: "  # how kubectl prints each warning header the API server sent (RFC 7234 Warning, code 299)


def warnings(stderr: str) -> list[str]:
    """The API server's warnings in kubectl's stderr, without the `Warning: ` prefix, in order."""
    return [line.strip()[len(WARNING):] for line in stderr.splitlines() if line.strip().startswith(WARNING)]


def secret_value(secret: Secret, key: str) -> str:
    """The decoded value of one key of a Secret document (from `kubectl get secret -o json`); never print it."""
    data = secret.get("data") or {}
    name = secret["metadata"].get("name", "?")
    if key not in data:
        raise Ca3Error(f"Secret {name} has no key `{key}`. Run `ca3 init` and `ca3 deploy` again to recreate it.")
    return base64.b64decode(data[key]).decode()
