"""The docs' shell examples run exactly as written.

Every fenced block in README.md and docs/*.md whose info string is `sh`, `bash`, `shell` or
`console` is a shell block. Each file's shell blocks run in order, as one bash script (variables and
shell functions carry from block to block), in a fresh folder per file, against the binaries of
--bin-dir (first on PATH). A block either runs or carries a marker on the line right before its
fence (blank lines between are allowed):

    <!-- illustrative: REASON -->     not run; REASON says why (needs root, systemd, a placeholder...)

Within a block that runs:
  - every command must exit 0 (`set -e -o pipefail`), except
  - a command whose trailing comment starts with `# fails` (`silk doc verify x --as DE   # fails: ...`)
    must exit non-zero;
  - a `console` block shows commands after `$ ` and their output; only the `$ ` lines (with their
    `\\` continuation lines) run, and a command whose shown output has a line starting with
    `silk: error:` must exit non-zero.

The documented variables (README, "The examples are tested") are set per file:
  SILK_PORT      a free loopback port for the node's RPC, and the next seven (${SILK_PORT:-8645})
  SILK_P2P_PORT  a free base port for p2p, and the next seven (${SILK_P2P_PORT:-7645})
  SILKD          --bin-dir's silkd (what tools/network.sh starts)
SILK_NODE, SILK_PASSPHRASE, SILK_CA and SILK_TLS_* are cleared, and the folder has `tools` linking to the repository's
tools/ so that `tools/network.sh` runs as written. Background processes a block starts (`silkd ... &`)
are stopped when the file's script ends: the script is the leader of its own process group.

An unlabelled block that looks like shell (a line starting with `$ `, `silk `, `silkd `, `tools/` or
`openssl `) fails the test: label it `console`/`sh` so that it runs, `text` when it is a synopsis, or
mark it illustrative. So a new example cannot slip past the test by leaving out its info string.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import free_port_range

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHELL_INFOS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)```\s*([A-Za-z0-9_+-]*)\s*$")
ILLUSTRATIVE = re.compile(r"^<!--\s*illustrative:\s*(.*?)\s*-->\s*$")
LOOKS_LIKE_SHELL = re.compile(r"^\s*(\$ |silk |silkd |tools/|openssl )")
FAILS_COMMENT = re.compile(r"\s#\s*fails\b")
PER_FILE_TIMEOUT_S = 120


class Block:
    def __init__(self, path, line, info, body, illustrative):
        self.path, self.line, self.info, self.body = path, line, info, body
        self.illustrative = illustrative  # None, or the reason it is not run

    def where(self):
        return f"{os.path.relpath(self.path, REPO)}:{self.line}"


def doc_files(repo):
    return [os.path.join(repo, "README.md")] + sorted(glob.glob(os.path.join(repo, "docs", "*.md")))


def blocks_of(path):
    """Every fenced block of a Markdown file, with its info string and marker."""
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info, start = m.group(1), m.group(2), i
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        if i == len(lines):
            raise SystemExit(f"{path}:{start + 1}: fence never closed")
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        marker = ILLUSTRATIVE.match(lines[j].strip()) if j >= 0 else None
        if j >= 0 and lines[j].strip().startswith("<!--") and "illustrative" in lines[j] and not marker:
            raise SystemExit(f"{path}:{j + 1}: malformed marker (want <!-- illustrative: REASON -->)")
        reason = marker.group(1) if marker else None
        if marker and not reason:
            raise SystemExit(f"{path}:{j + 1}: an illustrative marker needs a reason")
        # body line k is file line start + 2 + k
        out.append(Block(path, start + 1, info, body, reason))
        i += 1
    return out


def logical_commands(block):
    """(first file line, text) of each command line, `\\` continuations joined; console blocks
    keep only their `$ ` commands and mark a command expected to fail when its output shows
    `silk: error:`."""
    cmds = []
    lines = block.body
    k = 0
    console = block.info == "console"
    while k < len(lines):
        first = block.line + 1 + k
        text = lines[k]
        if console:
            if not text.startswith("$ "):
                if text.startswith("silk: error:") and cmds:
                    cmds[-1][2] = True
                k += 1
                continue
            text = text[2:]
        while text.rstrip().endswith("\\") and k + 1 < len(lines):
            k += 1
            text = text.rstrip()[:-1] + " " + lines[k].strip()
        k += 1
        fails = bool(FAILS_COMMENT.search(text))
        cmds.append([first, text, fails])
    return cmds


def script_for(blocks):
    """One bash script for a file's runnable blocks, and the file line of each script line."""
    out = ["set -eE -o pipefail",
           'trap \'echo "__docs_failed script_line=$LINENO rc=$?" >&2\' ERR']
    where = [None, None]
    for b in blocks:
        out.append(f"echo '__docs_block {b.where()}' >&2")
        where.append(b.line)
        for line, text, fails in logical_commands(b):
            if fails:
                out.append(f"if {text}\nthen echo '__docs_unexpected_success line={line}' >&2; exit 97; fi")
                where.extend([line, line])
            else:
                out.append(text)
                where.extend([line] * (text.count("\n") + 1))
    return "\n".join(out) + "\n", where


def stop_group(pgid):
    """Stops what the script started (the group it leads): TERM, then KILL."""
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + wait_s
        while time.time() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def run_file(path, blocks, bin_dir, root):
    name = os.path.relpath(path, REPO).replace("/", "_")
    work = os.path.join(root, name)
    os.makedirs(work)
    script, where = script_for(blocks)
    script_path = os.path.join(root, name + ".sh")
    with open(script_path, "w") as f:
        f.write(script)
    os.symlink(os.path.join(REPO, "tools"), os.path.join(work, "tools"))
    rpc = free_port_range(8)
    p2p = free_port_range(8)
    while abs(p2p - rpc) < 8:
        p2p = free_port_range(8)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               SILK_PORT=str(rpc), SILK_P2P_PORT=str(p2p), SILKD=os.path.join(bin_dir, "silkd"))
    for name in ("SILK_NODE", "SILK_PASSPHRASE", "SILK_CA", "SILK_TLS_CERT", "SILK_TLS_KEY"):
        env.pop(name, None)
    log_path = os.path.join(root, name + ".log")
    started = time.time()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(["bash", script_path], cwd=work, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=PER_FILE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            stop_group(proc.pid)
    text = open(log_path).read()
    if rc == 0:
        return None, time.time() - started
    m = re.findall(r"__docs_failed script_line=(\d+) rc=(\d+)", text)
    u = re.findall(r"__docs_unexpected_success line=(\d+)", text)
    rel = os.path.relpath(path, REPO)
    if rc is None:
        what = f"{rel}: did not finish in {PER_FILE_TIMEOUT_S}s"
    elif u:
        what = f"{rel}:{u[-1]}: a command marked '# fails' (or shown failing) exited 0"
    elif m:
        sl, code = int(m[-1][0]), m[-1][1]
        line = where[sl - 1] if 0 < sl <= len(where) and where[sl - 1] else "?"
        what = f"{rel}:{line}: a command exited {code}"
    else:
        what = f"{rel}: the script exited {rc}"
    return f"{what}\n---- output (tail) ----\n{text[-4000:]}", time.time() - started


def self_check(bin_dir, root):
    """The runner itself can fail: a failing command, a '# fails' that passes and a console
    command shown failing that passes are each reported; a console failure shown as one passes."""
    cases = [("sh", ["true", "false"], "a command exited 1"),
             ("sh", ["true   # fails: it does not"], "marked '# fails'"),
             ("console", ["$ true", "silk: error: shown failing"], "marked '# fails'"),
             ("console", ["$ false", "silk: error: shown failing", "$ true"], None)]
    for i, (info, body, want) in enumerate(cases):
        path = os.path.join(REPO, f"self-check-{i}.md")
        failure, _ = run_file(path, [Block(path, 1, info, body, None)], bin_dir, root)
        if want is None and failure is not None:
            raise SystemExit(f"self-check {i}: a passing block was reported: {failure}")
        if want is not None and (failure is None or want not in failure):
            raise SystemExit(f"self-check {i}: want a report with {want!r}, got {failure!r}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin-dir", required=True, help="folder holding silkd and silk")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--only", help="run only the doc files whose path contains this")
    p.add_argument("--list", action="store_true", help="list the blocks and what happens to them")
    args = p.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    for b in ("silk", "silkd"):
        if not os.access(os.path.join(bin_dir, b), os.X_OK):
            raise SystemExit(f"no {b} in {bin_dir}")

    problems, plan = [], []
    for path in doc_files(REPO):
        runnable = []
        for b in blocks_of(path):
            if b.illustrative is not None:
                plan.append((b, f"illustrative: {b.illustrative}"))
            elif b.info in SHELL_INFOS:
                runnable.append(b)
                plan.append((b, "runs"))
            elif b.info == "" and any(LOOKS_LIKE_SHELL.match(l) for l in b.body):
                problems.append(f"{b.where()}: an unlabelled block that looks like shell; label it "
                                "sh/console (it runs), text (a synopsis), or mark it "
                                "<!-- illustrative: REASON -->")
        if runnable:
            plan.append((path, runnable))
    if args.list:
        for entry in plan:
            if isinstance(entry[0], Block):
                print(f"{entry[0].where():28} [{entry[0].info}] {entry[1]}")
    ran = sum(1 for e in plan if isinstance(e[0], Block) and e[1] == "runs")
    if ran == 0:
        problems.append("no shell block runs: the extractor found nothing")

    root = tempfile.mkdtemp(prefix="silk-docs-")
    self_check(bin_dir, os.path.join(root, "self-check"))
    started = time.time()
    for entry in plan:
        if isinstance(entry[0], Block):
            continue
        path, runnable = entry
        if args.only and args.only not in path:
            continue
        failure, took = run_file(path, runnable, bin_dir, root)
        print(f"{'ok  ' if failure is None else 'FAIL'} {os.path.relpath(path, REPO)}: "
              f"{len(runnable)} blocks, {took:.1f}s")
        if failure:
            problems.append(failure)
    if problems:
        for p in problems:
            print(f"FAIL docs: {p}", file=sys.stderr)
        print(f"kept {root}")
        print("0 passed, 1 failed")
        sys.exit(1)
    if args.keep:
        print(f"kept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    print(f"PASS docs ({ran} blocks in {time.time() - started:.1f}s)")


if __name__ == "__main__":
    main()
