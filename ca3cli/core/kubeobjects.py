"""The shapes of the Kubernetes objects ca3 reads from `kubectl get -o json`, as TypedDicts.

TypedDicts, not classes: kubectl's JSON is used as parsed (no copy, nothing to import but `typing`), and mypy checks
every key a consumer reads. Only the fields ca3 reads are declared. A field is `NotRequired` unless the API reference
(Kubernetes 1.28, the recordings in shared/kubectl-recordings/) says the server always writes it; `| None` where the
server writes JSON null (a nil list or a zero time without omitempty, e.g. an HPA's `currentMetrics`, an Event's
`eventTime`). The door that parses them is ca3cli/edges/kuberead.py.
"""

from __future__ import annotations

from typing import Any, Generic, NotRequired, TypedDict, TypeVar

# --- metadata -------------------------------------------------------------------------------------------------


class OwnerReference(TypedDict):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: NotRequired[bool]


class ManagedFieldsEntry(TypedDict, total=False):
    """Who owns which fields (`--show-managed-fields`); `fieldsV1` is the server's own field-set notation."""

    manager: str
    operation: str  # Apply | Update
    apiVersion: str
    time: str
    fieldsType: str
    fieldsV1: dict[str, Any]  # nested `f:<name>` keys down to the fields this manager owns
    subresource: str


class ObjectMeta(TypedDict):
    name: str  # always set on a stored object (generateName resolves to it)
    namespace: NotRequired[str]
    uid: NotRequired[str]
    generation: NotRequired[int]
    resourceVersion: NotRequired[str]
    creationTimestamp: NotRequired[str | None]
    deletionTimestamp: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    annotations: NotRequired[dict[str, str]]
    ownerReferences: NotRequired[list[OwnerReference]]
    managedFields: NotRequired[list[ManagedFieldsEntry]]


class Condition(TypedDict, total=False):
    """A status condition (pods, workloads, nodes, HPAs share this shape). The server always writes `type` and
    `status`; every key is optional here so that "no such condition" is the empty one, {}, that readers compare."""

    type: str
    status: str  # True | False | Unknown
    reason: str
    message: str
    lastTransitionTime: str | None


def no_condition() -> Condition:
    """What a reader compares when the object has no condition of the type it looks for (a new one each time, so a
    caller that fills it in changes nothing shared)."""
    return {}


class Named(TypedDict):
    """What every object read has: a type variable bound to it takes any model (they all carry `metadata`)."""

    metadata: ObjectMeta


class AnyObject(TypedDict):
    """Any object, when only its identity is read (`get all`, prune's listings)."""

    apiVersion: NotRequired[str]
    kind: NotRequired[str]
    metadata: ObjectMeta


# --- Pod ------------------------------------------------------------------------------------------------------


class StateWaiting(TypedDict, total=False):
    reason: str
    message: str


class StateRunning(TypedDict, total=False):
    startedAt: str | None


class StateTerminated(TypedDict):
    exitCode: int
    reason: NotRequired[str]
    message: NotRequired[str]
    signal: NotRequired[int]
    startedAt: NotRequired[str | None]
    finishedAt: NotRequired[str | None]


class ContainerState(TypedDict, total=False):
    """At most one of the three is set; none while the kubelet has not reported the container."""

    waiting: StateWaiting
    running: StateRunning
    terminated: StateTerminated


class ContainerStatus(TypedDict):
    name: str
    ready: bool
    restartCount: int
    image: NotRequired[str]
    started: NotRequired[bool]
    state: NotRequired[ContainerState]
    lastState: NotRequired[ContainerState]


class PodStatus(TypedDict, total=False):
    phase: str  # Pending | Running | Succeeded | Failed | Unknown
    reason: str
    message: str
    podIP: str
    conditions: list[Condition]
    containerStatuses: list[ContainerStatus]
    initContainerStatuses: list[ContainerStatus]


class ClaimSource(TypedDict):
    claimName: str


class Volume(TypedDict):
    name: str
    persistentVolumeClaim: NotRequired[ClaimSource]


class Container(TypedDict):
    name: str
    image: NotRequired[str]


class PodSpec(TypedDict, total=False):
    nodeName: str
    containers: list[Container]
    volumes: list[Volume]
    serviceAccountName: str


class Pod(TypedDict):
    apiVersion: NotRequired[str]
    kind: NotRequired[str]
    metadata: ObjectMeta
    spec: NotRequired[PodSpec]
    status: NotRequired[PodStatus]


# --- workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job) -------------------------------------------


class SelectorRequirement(TypedDict):
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: NotRequired[list[str]]


class LabelSelector(TypedDict, total=False):
    matchLabels: dict[str, str]
    matchExpressions: list[SelectorRequirement]


class RollingUpdate(TypedDict, total=False):
    partition: int


class UpdateStrategy(TypedDict, total=False):
    type: str  # RollingUpdate | OnDelete | Recreate
    rollingUpdate: RollingUpdate


class PodTemplate(TypedDict, total=False):
    """As ca3 rendered it: the checks that read it walk ca3's own fields (containers, env, volumes, service account)."""

    metadata: dict[str, Any]
    spec: dict[str, Any]


class WorkloadSpec(TypedDict, total=False):
    replicas: int
    selector: LabelSelector
    template: PodTemplate
    progressDeadlineSeconds: int
    updateStrategy: UpdateStrategy


class WorkloadStatus(TypedDict, total=False):
    """The counters of every kind of workload; each kind writes its own subset (`phase` and `conditions` are also
    all a PVC's and a Node's readiness reads)."""

    observedGeneration: int
    conditions: list[Condition]
    replicas: int  # Deployment, StatefulSet, ReplicaSet
    readyReplicas: int
    updatedReplicas: int
    availableReplicas: int
    currentReplicas: int  # StatefulSet
    currentRevision: str
    updateRevision: str
    desiredNumberScheduled: int  # DaemonSet
    currentNumberScheduled: int
    updatedNumberScheduled: int
    numberAvailable: int
    numberReady: int
    succeeded: int  # Job
    failed: int
    active: int
    startTime: str
    phase: str  # PersistentVolumeClaim


class Workload(TypedDict):
    """A Deployment, StatefulSet, DaemonSet, ReplicaSet or Job; deploy's waits read a PVC or a Node through the same
    shape (`kind` says which)."""

    apiVersion: NotRequired[str]
    kind: NotRequired[str]
    metadata: ObjectMeta
    spec: NotRequired[WorkloadSpec]
    status: NotRequired[WorkloadStatus]


# --- HorizontalPodAutoscaler (autoscaling/v2) ------------------------------------------------------------------


class MetricValue(TypedDict, total=False):
    type: str  # Utilization | AverageValue | Value (targets only)
    averageUtilization: int
    averageValue: str
    value: str


class ResourceMetric(TypedDict):
    name: str
    target: NotRequired[MetricValue]  # in spec.metrics
    current: NotRequired[MetricValue]  # in status.currentMetrics


class Metric(TypedDict):
    type: str  # Resource | Pods | Object | External | ContainerResource
    resource: NotRequired[ResourceMetric]


class ScaleTargetRef(TypedDict):
    kind: str
    name: str
    apiVersion: NotRequired[str]


class HpaSpec(TypedDict):
    maxReplicas: int
    scaleTargetRef: ScaleTargetRef
    minReplicas: NotRequired[int]
    metrics: NotRequired[list[Metric]]


class HpaStatus(TypedDict):
    desiredReplicas: int
    currentReplicas: NotRequired[int]
    currentMetrics: NotRequired[list[Metric] | None]
    conditions: NotRequired[list[Condition]]
    lastScaleTime: NotRequired[str]


class HorizontalPodAutoscaler(TypedDict):
    metadata: ObjectMeta
    spec: HpaSpec
    status: NotRequired[HpaStatus]


# --- Event (core/v1) ------------------------------------------------------------------------------------------


class ObjectReference(TypedDict, total=False):
    kind: str
    name: str
    namespace: str
    uid: str
    apiVersion: str


class EventSeries(TypedDict, total=False):
    count: int
    lastObservedTime: str


class Event(TypedDict):
    metadata: ObjectMeta
    involvedObject: ObjectReference
    reason: NotRequired[str]
    message: NotRequired[str]
    type: NotRequired[str]  # Normal | Warning
    count: NotRequired[int]
    firstTimestamp: NotRequired[str | None]
    lastTimestamp: NotRequired[str | None]
    eventTime: NotRequired[str | None]  # written by events.k8s.io clients, null otherwise
    series: NotRequired[EventSeries]


# --- Node -----------------------------------------------------------------------------------------------------


class Taint(TypedDict):
    key: str
    effect: str  # NoSchedule | PreferNoSchedule | NoExecute
    value: NotRequired[str]


class NodeSpec(TypedDict, total=False):
    unschedulable: bool
    taints: list[Taint]


class NodeAddress(TypedDict):
    type: str  # InternalIP | ExternalIP | Hostname
    address: str


class NodeInfo(TypedDict, total=False):
    kubeletVersion: str
    containerRuntimeVersion: str


class NodeStatus(TypedDict, total=False):
    conditions: list[Condition]
    addresses: list[NodeAddress]
    nodeInfo: NodeInfo


class Node(TypedDict):
    metadata: ObjectMeta
    spec: NotRequired[NodeSpec]
    status: NotRequired[NodeStatus]


# --- Namespace, Secret, ConfigMap, Service, PVC, StorageClass --------------------------------------------------


class NamespaceStatus(TypedDict, total=False):
    phase: str  # Active | Terminating


class Namespace(TypedDict):
    """Its labels (Pod Security levels), annotations (the deployed milestone) and, read with `--show-managed-fields`,
    who manages them."""

    metadata: ObjectMeta
    status: NotRequired[NamespaceStatus]


class Secret(TypedDict):
    """A Secret's name and type, and its base64 values: read only by edges/kube.secret_value, never printed."""

    metadata: ObjectMeta
    type: NotRequired[str]
    data: NotRequired[dict[str, str]]


class ConfigMap(TypedDict):
    metadata: ObjectMeta
    data: NotRequired[dict[str, str]]


class ServicePort(TypedDict):
    port: int
    name: NotRequired[str]
    nodePort: NotRequired[int]
    targetPort: NotRequired[int | str]
    protocol: NotRequired[str]


class ServiceSpec(TypedDict, total=False):
    type: str
    clusterIP: str
    ports: list[ServicePort]
    selector: dict[str, str]


class Service(TypedDict):
    metadata: ObjectMeta
    spec: NotRequired[ServiceSpec]


class EndpointConditions(TypedDict, total=False):
    ready: bool  # unset means ready (discovery.k8s.io/v1)


class Endpoint(TypedDict):
    addresses: list[str]
    conditions: NotRequired[EndpointConditions]


class EndpointSlice(TypedDict):
    metadata: ObjectMeta  # label kubernetes.io/service-name names its Service
    addressType: str
    endpoints: NotRequired[list[Endpoint] | None]


class ClaimSpec(TypedDict, total=False):
    storageClassName: str
    volumeName: str


class ClaimStatus(TypedDict, total=False):
    phase: str  # Pending | Bound | Lost


class PersistentVolumeClaim(TypedDict):
    metadata: ObjectMeta
    spec: NotRequired[ClaimSpec]
    status: NotRequired[ClaimStatus]


class StorageClass(TypedDict):
    metadata: ObjectMeta
    provisioner: str


class NetworkPolicySpec(TypedDict, total=False):
    podSelector: LabelSelector  # the rest (policyTypes, ingress, egress) is only saved and applied back whole


class NetworkPolicy(TypedDict):
    apiVersion: str
    kind: str
    metadata: ObjectMeta
    spec: NetworkPolicySpec


class ApiServiceStatus(TypedDict, total=False):
    conditions: list[Condition]


class APIService(TypedDict):
    """An aggregated API's registration (metrics-server's v1beta1.metrics.k8s.io): Available or not."""

    metadata: ObjectMeta
    status: NotRequired[ApiServiceStatus]


class VersionInfo(TypedDict, total=False):
    major: str  # "1"; managed clusters write minors like "27+"
    minor: str
    gitVersion: str


class Version(TypedDict, total=False):
    """`kubectl version -o json`: the client's always, the server's when it answered."""

    clientVersion: VersionInfo
    kustomizeVersion: str
    serverVersion: VersionInfo


# --- a listing ------------------------------------------------------------------------------------------------

T = TypeVar("T")


class KubeList(TypedDict, Generic[T]):
    """What `kubectl get KIND -o json` prints for a kind (a `List`, possibly empty)."""

    items: list[T]
