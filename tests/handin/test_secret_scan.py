"""The secret scan of `ca3 handin` fails in a clean clone: a secret in a committed file, in an old commit since
deleted, or a generated value anywhere is named by file, line and commit, and its value is never printed."""

from __future__ import annotations

import secrets as random
from pathlib import Path

from ca3cli.edges import secrets
from ca3cli.operations.handin import scan
from tests.handin.conftest import Run


def _password() -> str:
    """A fresh random password, so no secret-looking literal sits in this file (the repository scan reads it)."""
    return random.token_urlsafe(24)


def _private_key() -> str:
    begin, end = "-----BEGIN " + "RSA PRIVATE KEY-----", "-----END " + "RSA PRIVATE KEY-----"
    return f"{begin}\nMIIEpAIBAAKCAQEA{random.token_hex(40)}\n{end}\n"


def _repository(scratch: Path, git: Run) -> None:
    """A repository that ignores the generated secrets, as one is after a first `ca3 handin`."""
    git("init", "-q")
    (scratch / ".gitignore").write_text(".ca3/\n")


def _commit_all(git: Run, message: str) -> str:
    git("add", "-A")
    git("commit", "-q", "-m", message)
    return git("rev-parse", "HEAD").stdout.strip()


def test_a_password_in_a_committed_file_stops_the_handin_naming_file_line_and_commit(
        scratch: Path, ca3: Run, git: Run) -> None:
    _repository(scratch, git)
    value = _password()
    (scratch / "settings.py").write_text(f'HOST = "db"\ndb_password = "{value}"\n')
    commit = _commit_all(git, "add settings")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1
    assert f"settings.py:2 in commit {commit[:12]}" in done.stderr.replace("\n", " ")
    assert value not in done.stdout + done.stderr
    assert not (scratch / "outputs/secret-scan.md").exists(), "no clean report is written over a finding"


def test_a_key_deleted_since_is_still_found_in_the_old_commit(scratch: Path, ca3: Run, git: Run) -> None:
    _repository(scratch, git)
    (scratch / "deploy").mkdir()
    (scratch / "deploy/server.pem").write_text(_private_key())
    old = _commit_all(git, "add the server key")
    (scratch / "deploy/server.pem").unlink()
    (scratch / "deploy/README").write_text("keys live in .ca3/ now\n")
    _commit_all(git, "remove the key")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1
    message = done.stderr.replace("\n", " ")
    assert f"deploy/server.pem:1 in commit {old[:12]}" in message and "Private Key" in message


def test_a_generated_value_in_an_uncommitted_file_is_found_and_never_printed(scratch: Path, ca3: Run) -> None:
    values = secrets.load(secrets.folder_for(scratch / "ca3.yaml"))
    (scratch / "outputs").mkdir()
    (scratch / "outputs/notes.txt").write_text(f"login\nadmin / {values['grafana_admin_password']}\n")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1
    message = done.stderr.replace("\n", " ")
    assert "outputs/notes.txt:2 (generated secret value)" in message
    assert not [v for v in values.values() if v in done.stdout + done.stderr]


def test_the_same_submission_without_the_planted_secret_passes(scratch: Path, ca3: Run, git: Run) -> None:
    _repository(scratch, git)
    (scratch / "settings.py").write_text('HOST = "db"\n')
    _commit_all(git, "add settings")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 0, done.stderr
    assert "no secret found" in (scratch / "outputs/secret-scan.md").read_text()


def test_an_accepted_finding_passes_but_a_generated_value_cannot_be_accepted(scratch: Path, ca3: Run,
                                                                             git: Run) -> None:
    _repository(scratch, git)
    (scratch / "fixture.py").write_text(f'api_password = "{_password()}"  # a test double\n')
    _commit_all(git, "add a fixture")
    assert ca3("handin", "--accept-findings").returncode == 0
    assert (scratch / scan.BASELINE).is_file()
    assert ca3("handin", "--allow-missing").returncode == 0
    value = secrets.load(secrets.folder_for(scratch / "ca3.yaml"))["influxdb_admin_token"]
    (scratch / "token.txt").write_text(value + "\n")
    assert ca3("handin", "--accept-findings").returncode == 0
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1 and "token.txt:1 (generated secret value)" in done.stderr.replace("\n", " ")


def test_history_lists_each_blob_once_per_path_with_the_commit_that_introduced_it(scratch: Path, git: Run) -> None:
    _repository(scratch, git)
    (scratch / "a.txt").write_text("one\n")
    first = _commit_all(git, "one")
    (scratch / "a.txt").write_text("two\n")
    (scratch / "b.txt").write_text("one\n")  # the same content as a.txt had: one blob
    second = _commit_all(git, "two")
    blobs = {(b.path, b.commit) for b in scan.history(scratch) if b.path.endswith(".txt")}
    assert blobs == {("a.txt", first), ("a.txt", second), ("b.txt", second)}
    assert len({b.oid for b in scan.history(scratch) if b.path.endswith(".txt")}) == 2, "one blob per content"


def test_generated_secrets_committed_before_any_gitignore_are_caught(scratch: Path, ca3: Run, git: Run) -> None:
    (scratch / ".gitignore").unlink()  # the one `ca3 init` wrote, as if the student had deleted it
    git("init", "-q")
    commit = _commit_all(git, "first commit, before ca3 handin wrote a .gitignore")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1
    assert f".ca3/secrets/grafana_admin_password:1 in commit {commit[:12]}" in done.stderr.replace("\n", " ")


def test_a_private_key_kept_in_ca3_is_found_by_its_body_where_no_pem_header_is(scratch: Path, ca3: Run) -> None:
    key = _private_key()
    (scratch / ".ca3" / "tls").mkdir()
    (scratch / ".ca3" / "tls" / "influxdb.key").write_text(key)
    body = key.splitlines()[1]
    (scratch / "notes.md").write_text(f"# Notes\n\nthe key body: {body}\n")
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1
    assert "notes.md:3 (generated secret value)" in done.stderr.replace("\n", " ")
    assert body not in done.stdout + done.stderr


def test_an_accepted_finding_is_accepted_in_its_own_file_only(scratch: Path, ca3: Run, git: Run) -> None:
    _repository(scratch, git)
    line = f'api_password = "{_password()}"\n'
    (scratch / "fixture.py").write_text(line)
    _commit_all(git, "a test double")
    assert ca3("handin", "--accept-findings").returncode == 0
    (scratch / "app.py").write_text(line)  # the same value, now where it would be used for real
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 1 and "app.py:1 (Secret Keyword)" in done.stderr.replace("\n", " ")
