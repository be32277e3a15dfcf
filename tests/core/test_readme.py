"""The README's troubleshooting entries quote what ca3 really prints: each quoted message is found, word for word, in
a string of the package's code, so a reworded message fails here until the README follows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def section(markdown: str, title: str) -> str:
    """The text under `## title`, up to the next second-level heading."""
    start = markdown.index(f"\n## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end != -1 else None]


def words(text: str) -> str:
    return " ".join(text.split())


def code_strings() -> list[str]:
    """Every string constant of ca3cli, f-strings' literal parts included, whitespace folded."""
    found = []
    for path in (REPO / "ca3cli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(words(node.value))
    return found


def quoted_messages() -> list[str]:
    """The double-quoted texts of the Troubleshooting section: what ca3 prints (the cluster's own texts are in
    backticks)."""
    text = words(section((REPO / "README.md").read_text(encoding="utf-8"), "Troubleshooting"))
    return re.findall(r'"([^"]+)"', text)


def troubleshooting_entries() -> list[str]:
    """Each `- **symptom.**` bullet of the Troubleshooting section with its continuation lines."""
    text = section((REPO / "README.md").read_text(encoding="utf-8"), "Troubleshooting")
    return [words(entry) for entry in re.split(r"\n(?=- \*\*)", text)[1:]]


def test_every_troubleshooting_entry_quotes_what_ca3_says() -> None:
    entries = troubleshooting_entries()
    assert len(entries) >= 8
    silent = [entry[:60] for entry in entries if not re.search(r'"[^"]+"', entry)]
    assert not silent, f"entries that quote no message of ca3: {silent}"


def test_every_message_the_troubleshooting_section_quotes_is_printed_by_ca3() -> None:
    strings = code_strings()
    missing = [message for message in quoted_messages() if not any(message in string for string in strings)]
    assert not missing, f"README quotes messages ca3 does not print: {missing}"
