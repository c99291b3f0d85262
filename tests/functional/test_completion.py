"""`silk completion bash|zsh` complete what `silk --help` lists, in a real bash and a real zsh.

The script is sourced into bash, COMP_WORDS/COMP_CWORD are set as bash sets them when the user
presses TAB, and _silk's COMPREPLY is read back. No node is needed.
"""
import os
import subprocess
import sys

from harness import check, parse_args


def complete(silk, words, cword):
    """COMPREPLY for the command line `words` with the cursor on word `cword`."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = (f"source <('{silk}' completion bash) || exit 3\n"
              f"COMP_WORDS=({quoted}); COMP_CWORD={cword}\n"
              "_silk\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"bash completion failed ({r.returncode}): {r.stderr}")
    return [w for w in r.stdout.split("\n") if w]


def complete_zsh(silk, words, current):
    """What _silk hands to compadd in a real zsh for `words` with the cursor on word `current`
    (1-based, as zsh's CURRENT). compdef, compadd and _files are stubbed: outside an interactive
    completion widget they do nothing; zsh filters the candidates by prefix itself."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = ("compdef() { :; }\n"
              f"source <('{silk}' completion zsh) || exit 3\n"
              "compadd() { [[ $1 == -- ]] && shift; print -l -- \"$@\"; }\n"
              "_files() { print -- '<files>'; }\n"
              f"words=({quoted}); CURRENT={current}\n"
              "_silk\n")
    r = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"zsh completion failed ({r.returncode}): {r.stderr}")
    return [w for w in r.stdout.split("\n") if w]


def subcommands_in_help(silk, *words):
    """The subcommands `silk WORDS --help` lists."""
    r = subprocess.run([silk, *words, "--help"], capture_output=True, text=True, timeout=30)
    out, names, on = r.stdout.split("\n"), [], False
    for line in out:
        if line.startswith("Subcommands:"):
            on = True
            continue
        if on and line.startswith("  ") and not line.startswith("   "):
            names.append(line.split()[0])
    return names


def main():
    args = parse_args()
    silk = os.path.join(os.path.abspath(args.bin_dir), "silk")
    try:
        got = complete(silk, ["silk", "do"], 1)
        check(got == ["doc"], f"'silk do<TAB>' offered {got}, want ['doc']")

        doc_subs = subcommands_in_help(silk, "doc")
        check("verify" in doc_subs and "issue" in doc_subs, f"silk doc --help lists {doc_subs}")
        got = complete(silk, ["silk", "doc", ""], 2)
        check(sorted(got) == sorted(doc_subs), f"'silk doc <TAB>' offered {got}, want {doc_subs}")

        got = complete(silk, ["silk", "--node", "http://127.0.0.1:1", "doc", "ve"], 4)
        check(got == ["verify"], f"after a global option, 'silk ... doc ve<TAB>' offered {got}")

        got = complete(silk, ["silk", "doc", "verify", "--a"], 3)
        check(got == ["--as", "--at"], f"'silk doc verify --a<TAB>' offered {got}")

        got = complete(silk, ["silk", "doc", "verify", "--js"], 3)
        check(got == ["--json"], f"the global --json is not offered: {got}")

        top = complete(silk, ["silk", ""], 1)
        for want in subcommands_in_help(silk) + ["help", "completion"]:
            check(want in top, f"'silk <TAB>' does not offer {want}: {top}")
        got = complete(silk, ["silk", "help", "ga"], 2)
        check(got == [], f"'silk help ga<TAB>' offered {got}")
        got = complete(silk, ["silk", "help", "go"], 2)
        check(got == ["gov"], f"'silk help go<TAB>' offered {got}")

        r = subprocess.run([silk, "completion", "fish"], capture_output=True, text=True, timeout=30)
        check(r.returncode != 0 and "fish" in r.stderr, f"completion fish: {r.returncode} {r.stderr}")
        r = subprocess.run([silk, "completion", "zsh"], capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and r.stdout.startswith("#compdef silk") and "compdef _silk silk" in r.stdout,
              f"completion zsh: {r.returncode} {r.stdout[:200]} {r.stderr}")
        # The zsh script, run by zsh (installed by tools/setup.sh for this test).
        got = complete_zsh(silk, ["silk", "doc", ""], 3)
        check(sorted(got) == sorted(doc_subs), f"zsh: 'silk doc <TAB>' offered {got}, want {doc_subs}")
        got = complete_zsh(silk, ["silk", "doc", "verify", "--a"], 4)
        check("--as" in got and "--at" in got, f"zsh: 'silk doc verify --a<TAB>' offered {got}")
        got = complete_zsh(silk, ["silk", "--node", "http://127.0.0.1:1", "doc", ""], 5)
        check(sorted(got) == sorted(doc_subs), f"zsh: after a global option, 'silk ... doc <TAB>' offered {got}")
        got = complete_zsh(silk, ["silk", "notary", "verify", ""], 4)
        check(got == ["<files>"], f"zsh: a leaf command's argument should complete files, got {got}")
    except Exception as e:  # noqa: BLE001 - one closing line the way CI reads it
        print(f"FAIL completion: {e}", file=sys.stderr)
        print("0 passed, 1 failed")
        sys.exit(1)
    print("PASS completion")


if __name__ == "__main__":
    main()
