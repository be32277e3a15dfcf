"""The edge every check gathers evidence through: kubectl reads, logs, exec, Secrets and pooled port-forwards.

Reads are cached for the run (many checks look at the same pods), so concurrent checks share one kubectl call per
resource; port-forwards are opened once per target and port and all closed by `close()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ca3cli.core import registry, topology
from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.core.kubeobjects import ConfigMap, Named, Secret
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl, Result, secret_value
from ca3cli.edges.portforward import Forward, TlsTarget, forward
from ca3cli.operations.certs.names import CA_CONFIGMAP

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

CA_NAME = CA_CONFIGMAP  # ConfigMap (or Secret) holding our CA certificate under key `ca.crt`
CA_KEY = "ca.crt"
T = TypeVar("T")
K = TypeVar("K", bound=Named)


class Probe:
    """Shared, thread-safe access to the cluster for one validation run."""

    def __init__(self, kubectl: Kubectl, settings: Settings, milestone: int,
                 names: topology.Topology | None = None, outputs: Path = Path("outputs")) -> None:
        self.kubectl = kubectl
        self.outputs = outputs  # where the deliverables of earlier commands (the load test's timeline) are read
        self._names = names
        self.settings = settings
        self.milestone = milestone
        self.namespace = settings.namespace
        self.features = registry.features(settings, milestone)
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._cache: dict[tuple[Any, ...], tuple[bool, Any]] = {}
        self._forwards: list[AbstractContextManager[Forward]] = []

    @property
    def names(self) -> topology.Topology:
        """Names of the objects checked (Services, workloads, Secrets, labels), from the milestone's rendered
        manifests, rendered once per run unless given."""
        return self._names or self.memo(("names",), lambda: topology.of_milestone(self.settings, self.milestone))

    def memo(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Compute once per run; later callers get the same value (or the same error) without a second call."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._cache:
                try:
                    self._cache[key] = (True, compute())
                except Ca3Error as exc:
                    self._cache[key] = (False, exc)
            ok, value = self._cache[key]
        if not ok:
            raise value
        return cast(T, value)  # what `compute` returned for this key

    def get(self, model: type[T], *args: str, namespaced: bool = True) -> T:
        """`kubectl get ARGS -o json` of one object, typed, cached for the run."""
        return self.memo(("get", namespaced, *args),
                         lambda: kuberead.one(self.kubectl, model, *args, namespaced=namespaced, timeout=20))

    def items(self, model: type[T], resource: str, namespaced: bool = True) -> list[T]:
        """The items of `kubectl get RESOURCE -o json` (in the namespace unless not `namespaced`), typed, cached."""
        return self.memo(("items", namespaced, resource),
                         lambda: kuberead.items(self.kubectl, model, resource, namespaced=namespaced, timeout=20))

    def find(self, model: type[K], resource: str, name: str) -> K | None:
        """One object by name from the cached list, or None when it does not exist."""
        return next((item for item in self.items(model, resource) if item["metadata"]["name"] == name), None)

    def logs(self, target: str, since: str | None = "10m") -> str:
        """Logs of every container of `target` (`statefulset/x`, or an `app=x` selector): recent, or all with None."""
        window = (f"--since={since}", "--tail=2000") if since else ("--tail=-1",)
        args = ("logs", "--all-containers", "--prefix", *window)
        words = ("-l", target) if "=" in target else (target,)
        return self.memo(("logs", target, since), lambda: self.kubectl.run(*args, *words, timeout=20).stdout)

    def exec(self, pod: str, *command: str, timeout: float = 30) -> Result:
        """Run a command in a pod's first container; the caller reads the exit code."""
        return self.kubectl.run("exec", pod, "--", *command, timeout=timeout, check=False)

    def run(self, *args: str, timeout: float = 30) -> Result:
        """Any other kubectl call (auth can-i, run); the caller reads the exit code."""
        return self.kubectl.run(*args, timeout=timeout, check=False)

    def forward(self, target: str, port: int) -> Forward:
        """A port-forward to `target`:`port`, opened on first use and kept until `close()`."""

        def open_forward() -> Forward:
            manager = forward(self.kubectl, target, port)
            opened = manager.__enter__()
            with self._lock:
                self._forwards.append(manager)
            return opened

        return self.memo(("forward", target, port), open_forward)

    def secret(self, name: str, key: str) -> str:
        """The decoded value of one Secret key, read at run time; callers must never print it."""
        return secret_value(self.get(Secret, "secret", name), key)

    def ca_pem(self) -> str:
        """Our CA certificate, from ConfigMap `ca3-ca` (or a Secret of that name)."""

        def read() -> str:
            try:
                return self.get(ConfigMap, "configmap", CA_NAME)["data"][CA_KEY]
            except (KubectlError, KeyError):
                return self.secret(CA_NAME, CA_KEY)

        return self.memo(("ca",), read)

    def tls(self, service: str) -> TlsTarget:
        """Verification settings for `service`: our CA and the service's cluster DNS name."""
        return TlsTarget(self.ca_pem(), f"{service}.{self.namespace}.svc")

    def close(self) -> None:
        """Terminate every port-forward this run opened."""
        with self._lock:
            managers, self._forwards = self._forwards, []
        for manager in reversed(managers):
            manager.__exit__(None, None, None)
