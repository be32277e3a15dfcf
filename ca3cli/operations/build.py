"""`ca3 build` as steps: build both app images with the exact tags the manifests use, then load or push them.

The steps are plain argument lists (pure, tested as data); `run` executes them through the process door
(edges/process.py) with their output streamed to the terminal, so a long `docker build` shows its progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core import imagetag
from ca3cli.core.errors import Ca3Error, ConfigError
from ca3cli.edges import buildcontext, process
from ca3cli.edges.process import Result

if TYPE_CHECKING:  # read by attribute only; `ca3 --help` need not load the settings model
    from ca3cli.core.settings import Settings

APPS = ("producer", "processor")
STEP_TIMEOUT_S = 1800.0  # a first `docker build` or `kind create cluster` downloads base images: minutes, not hours
PROBE_TIMEOUT_S = 30.0  # `docker info` against a daemon that hangs
# Where apps/ sits when ca3 is installed in editable mode from its checkout (a wheel has no apps/ beside it).
CHECKOUT_APPS_DIR = Path(__file__).resolve().parents[2] / "apps"
LOAD_TARGETS = ("kind", "minikube", "k3d")
INSTALL_HINTS = {
    "docker": "https://docs.docker.com/engine/install/",
    "kind": "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
    "minikube": "https://minikube.sigs.k8s.io/docs/start/",
    "k3d": "https://k3d.io/#installation",
    "kubectl": "https://kubernetes.io/docs/tasks/tools/",
}


@dataclass(frozen=True)
class Step:
    """One command to run, what it does in words, and what it reads on stdin (a config, say)."""

    argv: list[str]
    description: str
    input: str | None = None


def cluster_name(target: str, context: str) -> str:
    """The cluster (or minikube profile) behind a kube context: kind and k3d prefix their contexts."""
    prefix = {"kind": "kind-", "k3d": "k3d-"}.get(target, "")
    return context[len(prefix):] if prefix and context.startswith(prefix) else context


def load_step(target: str, image: str, context: str) -> Step:
    """The command that copies a local image into the cluster's nodes."""
    name = cluster_name(target, context)
    argv = {
        "kind": ["kind", "load", "docker-image", image, *(["--name", name] if name else [])],
        "minikube": ["minikube", "image", "load", image, *(["-p", name] if name else [])],
        "k3d": ["k3d", "image", "import", image, *(["-c", name] if name else [])],
    }[target]
    return Step(argv, f"load {image} into {target}{f' cluster {name}' if name else ''}")


def apps_dir_here(cwd: Path | None = None) -> Path | None:
    """apps/ with both Dockerfiles: in the working folder (the repository root), else beside an editable install."""
    for candidate in ((cwd or Path.cwd()) / "apps", CHECKOUT_APPS_DIR):
        if all((candidate / app / "Dockerfile").is_file() for app in APPS):
            return candidate
    return None


def with_content_tags(settings: Settings, apps_dir: Path | None = None) -> Settings:
    """`settings` whose app images carry the tag of their build context's content, unless `images.tag` is set or
    there is no apps/ to read (then the manifests run `<registry>/<app>:<version>`, which `ca3 build` cannot make)."""
    apps_dir = apps_dir_here() if apps_dir is None else apps_dir
    if settings.images.tag or apps_dir is None:
        return settings
    return settings.with_content_tags({app: imagetag.content_tag(buildcontext.files(apps_dir, app)) for app in APPS})


def find_apps_dir(cwd: Path | None = None) -> Path:
    """apps/ with both Dockerfiles, or a sentence saying where to run the command."""
    found = apps_dir_here(cwd)
    if found is not None:
        return found
    raise Ca3Error("There is no apps/ folder with the producer and processor Dockerfiles here. Run the command from "
                   "the root of the ca3 repository (the folder holding apps/).")


def steps(settings: Settings, load: str = "", push: bool = False, apps_dir: Path | None = None,
          context: str | None = None) -> list[Step]:
    """Build each app from apps/<app>/Dockerfile (context apps/) as `settings.image(app)`, then load and/or push it.

    `load` copies into the cluster behind `context` (default: the settings' context).
    """
    apps_dir = find_apps_dir() if apps_dir is None else apps_dir
    if load and load not in LOAD_TARGETS:
        raise ConfigError(f"--load {load} is not supported; choose one of {', '.join(LOAD_TARGETS)}.")
    settings = with_content_tags(settings, apps_dir)  # the tag of what is built here, whatever the caller read
    result = []
    for app in APPS:
        dockerfile = apps_dir / app / "Dockerfile"
        if not dockerfile.is_file():
            raise Ca3Error(f"{dockerfile} does not exist. Run `ca3 build` from a full checkout of the repository.")
        image = settings.image(app)
        # The context is apps/ itself: both images copy the shared package from apps/common.
        result.append(Step(["docker", "build", "-t", image, "-f", str(dockerfile), str(apps_dir)], f"build {image}"))
        if load:
            result.append(load_step(load, image, settings.cluster.context if context is None else context))
        if push:
            result.append(Step(["docker", "push", image], f"push {image}"))
    return result


def require(tool: str, again: str) -> None:
    """A missing tool is a sentence with where to get it."""
    if not process.found(tool):
        raise Ca3Error(f"`{tool}` was not found on PATH. Install it ({INSTALL_HINTS[tool]}) and run {again} again.")


def run(step: Step, again: str = "`ca3 build`") -> None:
    """Run one step with its output on the terminal; a missing tool or a failure becomes a sentence.

    `again` is the command the sentence tells the user to run once the cause is fixed.
    """
    require(step.argv[0], again)
    try:
        code = process.run(step.argv, input=step.input, capture=False, timeout=STEP_TIMEOUT_S).returncode
    except process.ProgramTimeout as exc:
        raise Ca3Error(f"{exc} Check what it waits for (its output is above) and run {again} again.") from None
    if code != 0:
        raise Ca3Error(f"`{' '.join(step.argv)}` failed with exit code {code} (its output is above). "
                       f"Fix the cause and run {again} again.")


def probe(step: Step) -> Result | None:
    """Run a quiet check (`docker info`) and return its result whatever the exit code (-1 when it hung); None if the
    tool is missing."""
    if not process.found(step.argv[0]):
        return None
    try:
        return process.run(step.argv, timeout=PROBE_TIMEOUT_S)
    except process.ProgramTimeout:
        return Result(step.argv, -1, "", f"no answer within {PROBE_TIMEOUT_S:g}s")
