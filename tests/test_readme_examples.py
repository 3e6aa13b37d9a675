"""The README's Python example of an integration test runs as written against a live sandbox."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.live import throwaway_sandbox

README = Path(__file__).resolve().parent.parent / "README.md"


def python_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Testing your integration") :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, "no Python example in the README's testing section"
    return found.group(1)


def test_the_readmes_python_example_passes_against_a_fresh_sandbox(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(python_example())
    data = tmp_path / "data"
    with throwaway_sandbox(data_dir=data) as sandbox:
        env = {
            **os.environ,
            "SANDBOX_URL": sandbox.url,
            "SANDBOX_ADMIN_KEY": (data / "admin_key").read_text().strip(),
        }
        run = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120, check=False
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "('POST', '/chat-gateway/v1/conversations', 202)" in run.stdout
