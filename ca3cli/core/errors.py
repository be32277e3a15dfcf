"""One error hierarchy for the tool; the CLI maps each to an exit code and a sentence, never a traceback."""

from __future__ import annotations

import re


class Ca3Error(Exception):
    """A failure the user can act on. The message is a full sentence that ends with the fix."""

    exit_code = 1


class ConfigError(Ca3Error):
    """`ca3.yaml`, an environment override or a command-line value is invalid."""

    exit_code = 2


class SecretsError(Ca3Error):
    """Generated secrets are missing or unreadable."""


class RenderError(Ca3Error):
    """A template could not be rendered (a missing value is an error, not an empty string)."""


class LintError(Ca3Error):
    """Rendered manifests failed schema or cross-reference checks."""


class KubectlNotFound(Ca3Error):
    """The kubectl executable is not on PATH."""


# kubectl has no structured error output (`-o json` shapes objects only, never a failure, and its -v logs are not an
# interface), so this is the one place its stderr is classified. An error the API server answered with (a
# metav1.Status) is printed by StandardErrorMessage and checkErr in k8s.io/kubectl/pkg/cmd/util/helpers.go as
# `Error from server (REASON): ...` with the Status's machine-readable reason, `The KIND "NAME" is invalid: ...` for
# Invalid, `error: You must be logged in ...` for Unauthorized. (A server-side apply conflict is printed as its own
# text, `Apply failed with N conflicts: ...`, whose field list core/podsecurity/owners.conflict_fields reads.)
API_STATUS = re.compile(r"^Error from server \((?P<reason>[A-Za-z]+)\): ", re.MULTILINE)
INVALID = re.compile(r'^The \S+ "[^"]*" is invalid: ', re.MULTILINE)
UNAUTHORIZED = "error: You must be logged in to the server"
# What kubectl prints when it never got an answer from the API server (client-go's and Go's net/http texts).
CONNECTION_FAILURE = re.compile(
    r"Unable to connect to the server"
    r"|The connection to the server \S+ was refused"
    r"|net/http: TLS handshake timeout"
    r"|connect: connection refused"
    r"|connection reset by peer"
    r"|http2: client connection lost"
    r"|i/o timeout"
    r"|Client\.Timeout exceeded while awaiting headers"
)


def server_unreached(stderr: str) -> bool:
    """Whether kubectl says it got no answer from the API server at all (refused, reset, timed out)."""
    return CONNECTION_FAILURE.search(stderr) is not None


def status_reason(stderr: str) -> str:
    """The API server's Status reason behind a kubectl failure (NotFound, Forbidden, AlreadyExists, Conflict,
    Invalid, Unauthorized, ...), or "" when the server gave none (it was not reached, or kubectl failed itself)."""
    if found := API_STATUS.search(stderr):
        return found["reason"]
    if INVALID.search(stderr):
        return "Invalid"
    return "Unauthorized" if UNAUTHORIZED in stderr else ""


class KubectlError(Ca3Error):
    """kubectl ran and failed; the message carries the command, its exit code and its stderr."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.args_run = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        output = "\n".join(f"    {line}" for line in (stderr or stdout).strip().splitlines()) or "    (no output)"
        super().__init__(f"`{' '.join(args)}` failed with exit code {returncode}:\n{output}")

    @property
    def status_reason(self) -> str:
        """The API server's reason for refusing the call ("" when it gave none); see `status_reason`."""
        return status_reason(self.stderr)


class KubectlAnswerError(KubectlError):
    """kubectl exited 0 but its output is not the JSON document that was asked for."""

    def __init__(self, args: list[str], stdout: str, why: str) -> None:
        super().__init__(args, 0, stdout, why)
        Ca3Error.__init__(self, f"`{' '.join(args)}` printed something else than the JSON asked for: {why}. Check that "
                                "`kubectl` on PATH is the real kubectl (`kubectl version --client`).")


class KubectlTimeout(Ca3Error):
    """kubectl did not finish within its timeout."""


class ClusterUnreachable(Ca3Error):
    """The kube context cannot be reached; `context` names the one tried ("" when the kubeconfig sets none)."""

    def __init__(self, message: str, context: str = "") -> None:
        super().__init__(message)
        self.context = context


class WaitTimeout(Ca3Error):
    """A deploy phase did not become ready within its timeout."""


class CheckFailed(Ca3Error):
    """One or more validation checks failed (the report has already been printed)."""


class CertsError(Ca3Error):
    """TLS certificates are missing, stale or unreadable."""


class FileError(Ca3Error):
    """A file ca3 owns cannot be written or removed safely (a link, a path outside its folder, a full or read-only
    disk); exit 2 because the fix is the user's: the folder, the link or the disk."""

    exit_code = 2
