"""`ue-stack completion bash|zsh|tcsh`: a completion script generated from the very parsers
the commands use, so every command and option completes."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ue_stack.cli import COMMANDS, main


def script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_the_script_knows_every_command_and_its_options(shell, capsys):
    text = script(shell, capsys)
    assert all(name in text for name in COMMANDS)
    if shell != "tcsh":  # shtab's tcsh script completes commands, not their options
        assert "--junit" in text and "--pcap-epoch" in text and "--check-expect" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_a_command_and_an_option(tmp_path, capsys):
    path = tmp_path / "ue-stack.bash"
    path.write_text(script("bash", capsys))

    def complete(*words: str) -> str:
        line = " ".join(words)
        probe = (f"source {path}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                 f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _shtab_ue_stack; '
                 'echo "${COMPREPLY[@]}"')
        return subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                              check=True, timeout=30).stdout.split()

    assert complete("ue-stack", "sim") == ["simulate"]
    assert complete("ue-stack", "replay", "--ju") == ["--junit"]


def test_an_unknown_shell_is_a_usage_error(capsys):
    assert main(["completion", "fish"]) == 2
    assert "invalid choice" in capsys.readouterr().err
