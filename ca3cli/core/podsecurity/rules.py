"""The Pod Security Standards over a pod template, as the PodSecurity admission of Kubernetes v1.28 checks them.

The checks mirror k8s.io/pod-security-admission/policy (check ids and reasons are the server's), so a pod template
this module passes at a level is admitted by a namespace enforcing that level. Pure functions over plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LEVELS = ("privileged", "baseline", "restricted")  # loosest first; each level forbids all that the looser ones do
VERSION = "v1.28"  # the rules below are those of this release; namespaces pin their labels to it

BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                   "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
SAFE_SYSCTLS = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                          "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
                          "net.ipv4.ip_local_reserved_ports"})
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
RESTRICTED_VOLUME_TYPES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                     "persistentVolumeClaim", "projected", "secret"})
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"

Context = Mapping[str, Any]
Pod = Mapping[str, Any]  # a pod template: {"metadata": ..., "spec": ...}


@dataclass(frozen=True)
class Violation:
    """One failed check: its id, the lowest level that forbids it, the server's reason and what in the pod caused it."""

    check: str
    level: str
    reason: str
    detail: str

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})"


@dataclass(frozen=True)
class Check:
    """One PodSecurity check: the server's id and reason, the lowest level that applies it, and what it finds."""

    id: str
    level: str
    reason: str
    find: Callable[[Pod], list[str]]  # what in the pod breaks the rule; empty when it passes
    replaces: str = ""  # the baseline check this stricter one stands in for at its level (the server's override)


def _spec(pod: Pod) -> Mapping[str, Any]:
    return pod.get("spec") or {}


def _containers(pod: Pod) -> list[Mapping[str, Any]]:
    spec = _spec(pod)
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or []),
            *(spec.get("ephemeralContainers") or [])]


def _context(holder: Mapping[str, Any]) -> Context:
    return holder.get("securityContext") or {}


def _bad_containers(pod: Pod, bad: Callable[[Context], bool]) -> list[str]:
    return [f'container "{c.get("name")}"' for c in _containers(pod) if bad(_context(c))]


def _setters(pod: Pod, bad: Callable[[Context], bool]) -> list[str]:
    """Who sets a forbidden value: `pod` for spec.securityContext, then each container by name."""
    return (["pod"] if bad(_context(_spec(pod))) else []) + _bad_containers(pod, bad)


def _must_not(setters: list[str], what: str) -> list[str]:
    return [f"{' and '.join(setters)} must not set {what}"] if setters else []


def _windows(pod: Pod) -> bool:
    """Windows pods skip the Linux-only restricted checks, as the server does."""
    return (_spec(pod).get("os") or {}).get("name") == "windows"


# --- baseline ---------------------------------------------------------------------------------------------------


def host_process(pod: Pod) -> list[str]:
    """Windows HostProcess containers run on the host itself."""
    return _must_not(_setters(pod, lambda c: (c.get("windowsOptions") or {}).get("hostProcess") is True),
                     "securityContext.windowsOptions.hostProcess=true")


def host_namespaces(pod: Pod) -> list[str]:
    """Sharing the node's network, process or IPC namespace breaks pod isolation."""
    return [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if _spec(pod).get(field) is True]


def privileged(pod: Pod) -> list[str]:
    """A privileged container has the node's devices and every capability."""
    return _must_not(_bad_containers(pod, lambda c: c.get("privileged") is True), "securityContext.privileged=true")


def capabilities_baseline(pod: Pod) -> list[str]:
    """Only the container runtime's default capabilities may be added."""
    return [f'container "{c.get("name")}" must not include {", ".join(sorted(added))} in '
            "securityContext.capabilities.add"
            for c in _containers(pod)
            if (added := set((_context(c).get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES)]


def host_path_volumes(pod: Pod) -> list[str]:
    """A hostPath volume exposes the node's files to the pod."""
    return [f'volume "{v.get("name")}"' for v in _spec(pod).get("volumes") or [] if v.get("hostPath") is not None]


def host_ports(pod: Pod) -> list[str]:
    """A hostPort binds a port on the node itself."""
    return [f'container "{c.get("name")}" uses hostPort {p["hostPort"]}'
            for c in _containers(pod) for p in c.get("ports") or [] if p.get("hostPort")]


def app_armor(pod: Pod) -> list[str]:
    """AppArmor may be the runtime default or a node-local profile, never unconfined."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    bad = [f"annotation {key}={value!r}" for key, value in annotations.items()
           if key.startswith(APPARMOR_ANNOTATION) and value not in ("", "runtime/default")
           and not value.startswith("localhost/")]
    unconfined = _setters(pod, lambda c: (c.get("appArmorProfile") or {}).get("type") not in (None, *SECCOMP_TYPES))
    return bad + _must_not(unconfined, "appArmorProfile.type other than RuntimeDefault or Localhost")


def _bad_selinux(context: Context) -> bool:
    options = context.get("seLinuxOptions") or {}
    return options.get("type", "") not in SELINUX_TYPES or bool(options.get("user") or options.get("role"))


def se_linux_options(pod: Pod) -> list[str]:
    """Custom SELinux users, roles or types could escape the container's label."""
    return _must_not(_setters(pod, _bad_selinux), "seLinuxOptions user or role, or a type other than container_t, "
                     "container_init_t or container_kvm_t")


def proc_mount(pod: Pod) -> list[str]:
    """An unmasked /proc shows the node's kernel interfaces."""
    return _must_not(_bad_containers(pod, lambda c: c.get("procMount") not in (None, "Default")),
                     "securityContext.procMount other than Default")


def seccomp_baseline(pod: Pod) -> list[str]:
    """Turning seccomp off (Unconfined) is forbidden even at baseline."""
    return _must_not(_setters(pod, lambda c: (c.get("seccompProfile") or {}).get("type") == "Unconfined"),
                     'securityContext.seccompProfile.type to "Unconfined"')


def sysctls(pod: Pod) -> list[str]:
    """Only sysctls namespaced to the pod are safe to set."""
    names = [s.get("name", "") for s in _context(_spec(pod)).get("sysctls") or []]
    return [", ".join(name for name in names if name not in SAFE_SYSCTLS)] if set(names) - SAFE_SYSCTLS else []


# --- restricted -------------------------------------------------------------------------------------------------


def restricted_volumes(pod: Pod) -> list[str]:
    """Only volume types whose safety the cluster admin controls (PVCs, CSI) or that are core."""
    return [f'volume "{v.get("name")}" uses restricted volume type "{kind}"'
            for v in _spec(pod).get("volumes") or [] for kind in sorted(set(v) - {"name"} - RESTRICTED_VOLUME_TYPES)]


def allow_privilege_escalation(pod: Pod) -> list[str]:
    """Every container must forbid setuid binaries and the like from gaining privileges."""
    bad = [] if _windows(pod) else _bad_containers(pod, lambda c: c.get("allowPrivilegeEscalation") is not False)
    return [f"{' and '.join(bad)} must set securityContext.allowPrivilegeEscalation=false"] if bad else []


def _required(pod: Pod, field: str, allowed: Callable[[Any], bool], want: str) -> list[str]:
    """A field the pod sets for all its containers, or each container sets: an explicit bad value is named, and so
    is every container left without one when the pod sets none."""
    pod_value = _context(_spec(pod)).get(field)
    explicit = _setters(pod, lambda c: c.get(field) is not None and not allowed(c.get(field)))
    covered = pod_value is not None and allowed(pod_value)
    implicit = [] if covered else _bad_containers(pod, lambda c: c.get(field) is None)
    return _must_not(explicit, f"securityContext.{field} other than {want}") + \
        ([f"pod or {' and '.join(implicit)} must set securityContext.{field} to {want}"] if implicit else [])


def run_as_non_root(pod: Pod) -> list[str]:
    """The kubelet must refuse to start a container as root."""
    return _required(pod, "runAsNonRoot", lambda value: value is True, "true")


def run_as_user(pod: Pod) -> list[str]:
    """An explicit uid 0 is root whatever the image says."""
    return _must_not(_setters(pod, lambda c: c.get("runAsUser") == 0), "runAsUser=0")


def seccomp_restricted(pod: Pod) -> list[str]:
    """A seccomp profile must be chosen explicitly, for the pod or each container."""
    if _windows(pod):
        return []
    return _required(pod, "seccompProfile", lambda value: (value or {}).get("type") in SECCOMP_TYPES,
                     '"RuntimeDefault" or "Localhost"')


def capabilities_restricted(pod: Pod) -> list[str]:
    """Every capability dropped; only NET_BIND_SERVICE may come back."""
    if _windows(pod):
        return []
    found = []
    for container in _containers(pod):
        capabilities = _context(container).get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f'container "{container.get("name")}" must set securityContext.capabilities.drop=["ALL"]')
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f'container "{container.get("name")}" must not add capabilities other than NET_BIND_SERVICE')
    return found


CHECKS: tuple[Check, ...] = (
    Check("windowsHostProcess", "baseline", "hostProcess", host_process),
    Check("hostNamespaces", "baseline", "host namespaces", host_namespaces),
    Check("privileged", "baseline", "privileged", privileged),
    Check("capabilities_baseline", "baseline", "non-default capabilities", capabilities_baseline),
    Check("hostPathVolumes", "baseline", "hostPath volumes", host_path_volumes),
    Check("hostPorts", "baseline", "hostPort", host_ports),
    Check("appArmorProfile", "baseline", "forbidden AppArmor profile", app_armor),
    Check("seLinuxOptions", "baseline", "seLinuxOptions", se_linux_options),
    Check("procMount", "baseline", "procMount", proc_mount),
    Check("seccompProfile_baseline", "baseline", "seccompProfile", seccomp_baseline),
    Check("sysctls", "baseline", "forbidden sysctls", sysctls),
    Check("restrictedVolumes", "restricted", "restricted volume types", restricted_volumes, "hostPathVolumes"),
    Check("allowPrivilegeEscalation", "restricted", "allowPrivilegeEscalation != false", allow_privilege_escalation),
    Check("runAsNonRoot", "restricted", "runAsNonRoot != true", run_as_non_root),
    Check("runAsUser", "restricted", "runAsUser=0", run_as_user),
    Check("seccompProfile_restricted", "restricted", "seccompProfile", seccomp_restricted, "seccompProfile_baseline"),
    Check("capabilities_restricted", "restricted", "unrestricted capabilities", capabilities_restricted,
          "capabilities_baseline"),
)


def rank(level: str) -> int:
    """How strict a level is (privileged 0 .. restricted 2); an unknown level is a ValueError."""
    return LEVELS.index(level)


def violations(pod: Pod, level: str = "restricted") -> list[Violation]:
    """What keeps a pod template out of a namespace that enforces `level` (privileged admits everything)."""
    active = [check for check in CHECKS if rank(check.level) <= rank(level)]
    replaced = {check.replaces for check in active}
    return [Violation(check.id, check.level, check.reason, detail)
            for check in active if check.id not in replaced for detail in check.find(pod)]


def strictest_level(pod: Pod) -> str:
    """The strictest level whose namespaces admit this pod template."""
    return next(level for level in reversed(LEVELS) if not violations(pod, level))

