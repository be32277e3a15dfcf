"""The processor's and Grafana's InfluxDB tokens made again when Secret influxdb-auth lost them but the data stayed.

Only InfluxDB's first-start script creates those tokens and patches them into the Secret
(templates/influxdb/influxdb-init-configmap.yaml.j2). `destroy` keeps the Secret with the volume, but when it went
anyway (deleted by hand, by an older ca3) the image never runs that script again on the kept volume. So once InfluxDB
is ready, deploy reads which keys the Secret holds; when one is missing it runs the same script in the InfluxDB pod
through `kubectl exec`: the admin token stays in the pod (the script reads its mounted file), the new tokens go from
the pod to the Secret and never through ca3. The script retires the older tokens, so the workloads that read them
are restarted. InfluxDB 2.9 stores tokens hashed, so an existing token cannot be read back: made again means new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from ca3cli.core import kubeobjects, template_values
from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.core.lint.crossref import config_refs
from ca3cli.core.lint.model import pod_templates
from ca3cli.core.objects import KubeObject
from ca3cli.core.topology import RUNTIME_KEYS, WORKLOAD_KINDS, Topology, Workload
from ca3cli.edges import kube, kuberead, outage, secrets
from ca3cli.edges.kube import Kubectl

COMPONENT = "influxdb"  # the registry component whose StatefulSet mounts and runs the script
ADMIN_TOKEN_REFUSED = 3  # the script's exit code when InfluxDB refuses the admin token
EXEC_TIMEOUT_S = 120
READ_OUTAGE_S = 120  # how long reading the Secret waits for an API server that does not answer (a restart)
TERMINATED = "command terminated with exit code"  # kubectl's own line after a failed remote command


@dataclass(frozen=True)
class Recovery:
    """What the step works with, read from the rendered objects: the Secret and the keys InfluxDB adds to it, where
    the script runs (pod, container, path), and the workloads that read those keys."""

    secret: str
    keys: tuple[str, ...]
    pod: str
    container: str
    script: str
    readers: tuple[Workload, ...]


def recovery(names: Topology) -> Recovery:
    """The recovery for the rendered objects; a template that breaks its assumptions is a bug in ca3."""
    annotated = [doc for doc in names.objects(kind="Secret") if RUNTIME_KEYS in (doc["metadata"].get("annotations")
                                                                                  or {})]
    scripts = [(doc["metadata"]["name"], key) for doc in names.objects(COMPONENT, "ConfigMap")
               for key in doc.get("data") or {} if key.endswith(".sh")]
    if len(annotated) != 1 or len(scripts) != 1:
        raise Ca3Error(f"The rendered manifests have {len(annotated)} Secrets with runtime keys and {len(scripts)} "
                       f"{COMPONENT} scripts, not one of each. This is a bug in ca3.")
    secret = annotated[0]["metadata"]["name"]
    keys = tuple(k.strip() for k in annotated[0]["metadata"]["annotations"][RUNTIME_KEYS].split(",") if k.strip())
    configmap, key = scripts[0]
    workload = names.workload_object(COMPONENT)
    container, folder = _mount(workload["spec"]["template"]["spec"], configmap)
    readers = tuple(Workload(pod.owner.kind.lower(), pod.owner.name)
                    for pod in pod_templates([KubeObject.of(doc) for doc in names.objects()])
                    if pod.owner.kind in WORKLOAD_KINDS
                    and any(name == secret and ref in keys for name, ref in config_refs(pod, "Secret")))
    return Recovery(secret, keys, names.first_pod(COMPONENT), container, str(PurePosixPath(folder) / key), readers)


def _mount(pod_spec: dict[str, Any], configmap: str) -> tuple[str, str]:
    """The container that mounts ConfigMap `configmap`, and where."""
    volumes = {v["name"] for v in pod_spec.get("volumes") or [] if (v.get("configMap") or {}).get("name") == configmap}
    for container in pod_spec["containers"]:
        for mount in container.get("volumeMounts") or []:
            if mount["name"] in volumes:
                return container["name"], mount["mountPath"]
    raise Ca3Error(f"No container of {COMPONENT} mounts ConfigMap {configmap}. This is a bug in ca3.")


def missing(secret: kubeobjects.Secret, keys: tuple[str, ...]) -> list[str]:
    """The keys a live Secret (`kubectl get secret -o json`) does not hold; its values are never looked at."""
    held = secret.get("data") or {}
    return [key for key in keys if key not in held]


def restore(kubectl: Kubectl, names: Topology, say: Callable[[str], None],
            unanswered: Callable[[float], None]) -> None:
    """Make the Secret's missing tokens again in InfluxDB (nothing when none is missing) and restart the workloads
    that read them. Reading the Secret rides out an API server that does not
    answer for up to READ_OUTAGE_S (`unanswered` is told for how long), as deploy's waits do."""
    plan = recovery(names)
    live = outage.ride_out(partial(kuberead.one, kubectl, kubeobjects.Secret, "secret", plan.secret),
                           outage.CLOCK.monotonic() + READ_OUTAGE_S, outage.named(kubectl), "`ca3 deploy`",
                           unanswered)
    absent = missing(live, plan.keys)
    if not absent:
        return
    say(f"Secret {plan.secret} has no {' or '.join(absent)}: running InfluxDB's token script in pod {plan.pod}")
    try:
        result = kubectl.run("exec", plan.pod, "-c", plan.container, "--", plan.script, timeout=EXEC_TIMEOUT_S,
                             mutating=True)
    except KubectlError as exc:
        raise _failure(plan, exc, str(kubectl.namespace)) from exc
    said = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    say(f"re-created the processor's and Grafana's InfluxDB tokens: Secret {plan.secret} was missing them and "
        f"InfluxDB's data was kept ({'; '.join(said) or 'the script said nothing'})")
    refs = [w.ref for w in plan.readers]
    running = kubectl.run("get", *refs, "--ignore-not-found", "-o", "name").stdout.split() if refs else []
    if running:
        try:
            kubectl.run("rollout", "restart", *running, mutating=True)
        except KubectlError as exc:
            raise Ca3Error(f"The new InfluxDB tokens are in Secret {plan.secret}, but restarting {', '.join(running)} "
                           f"failed: {kube.reason(exc.stderr or exc.stdout)}. They still use the retired tokens: run "
                           f"`kubectl --namespace {kubectl.namespace} rollout restart {' '.join(running)}`.") from exc
        say(f"restarted {', '.join(running)}: the tokens they started with were retired")


def _failure(plan: Recovery, exc: KubectlError, namespace: str) -> Ca3Error:
    """Why the script failed, as one sentence with the fix."""
    if exc.returncode == ADMIN_TOKEN_REFUSED:
        token_file = secrets.SECRETS_DIR / template_values.INFLUXDB_ADMIN_TOKEN
        return Ca3Error(
            f"InfluxDB refused the admin token of Secret {plan.secret}, so the processor's and Grafana's tokens "
            f"cannot be made again: its kept data was set up with another admin token. Put that token into "
            f"{token_file} and run `ca3 deploy` again, or run `ca3 destroy --delete-data` and then `ca3 deploy` to "
            "start InfluxDB empty (its data is deleted).")
    lines = [line.strip() for line in (exc.stderr or "").splitlines()
             if line.strip() and not line.strip().startswith(TERMINATED)]
    why = lines[-1] if lines else f"kubectl exited with code {exc.returncode}"
    return Ca3Error(f"Could not make the processor's and Grafana's InfluxDB tokens again in pod {plan.pod}: {why}. "
                    f"Fix that (InfluxDB's own log: `kubectl --namespace {namespace} logs {plan.pod}`), then run "
                    "`ca3 deploy` again.")
