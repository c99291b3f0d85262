#!/usr/bin/env python3
"""silkd's logs on a real node (issue 15; docs/config.md "Logs").

A solo chain that commits an empty block every 50 ms, each one a `debug` line of module `chain`:
  - a bad log section refuses the start, naming the key;
  - with `log.format: json` every line of the file is a JSON object with time, level, module,
    message and the line's key=value fields;
  - SIGHUP after `log.levels: {"chain": "debug"}` makes the block lines appear, without a restart;
  - rotation keeps at most `log.max_files` old files, none over `log.max_file_bytes`;
  - a bad section on SIGHUP is refused with an error line and the settings in force stay;
  - SIGTERM still stops the node cleanly, and the last line is in the file.
"""
import glob
import json
import os
import re
import signal
import subprocess
import time

from harness import Failure, check, run

MAX_FILE_BYTES = 4096
MAX_FILES = 2
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def set_log(env, section):
    with open(env.config_path) as f:
        config = json.load(f)
    config["log"] = section
    with open(env.config_path, "w") as f:
        json.dump(config, f, indent=2)


def log_files(folder):
    return sorted(glob.glob(os.path.join(folder, "silkd*.log")))


def json_lines(folder, whole=True):
    """Every line of every log file, parsed. whole=False skips a line that does not parse (a file
    read while silkd writes or rotates it); after the node stopped, every line must parse."""
    out = []
    for path in log_files(folder):
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:  # renamed away by a rotation since the glob
            if whole:
                raise
            continue
        for n, line in enumerate(text.splitlines(), 1):
            try:
                out.append(json.loads(line))
            except ValueError:
                if whole:
                    raise Failure(f"{path}:{n} is not a JSON line: {line!r}")
    return out


def first_line(path):
    try:
        with open(path) as f:
            return f.readline()
    except FileNotFoundError:  # silkd.log, between its rename and its reopening
        return None


def wait_for(what, pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise Failure(f"timed out waiting for {what}")


def test(env):
    env.init_solo()
    genesis_path = os.path.join(env.chain, "genesis.json")
    with open(genesis_path) as f:
        genesis = json.load(f)
    genesis["consensus"]["empty_blocks"] = True
    genesis["consensus"]["block_interval_ms"] = 50
    with open(genesis_path, "w") as f:  # canonical, as init-solo writes it
        f.write(json.dumps(genesis, sort_keys=True, separators=(",", ":")))

    folder = os.path.join(env.root, "logs")
    os.makedirs(folder)
    section = {"format": "json", "level": "info", "file": os.path.join(folder, "silkd.log"),
               "max_file_bytes": MAX_FILE_BYTES, "max_files": MAX_FILES}

    # A bad value refuses the start, naming the key.
    set_log(env, dict(section, levels={"p2p": "verbose"}))
    r = subprocess.run([env.silkd_bin, "--config", env.config_path], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 1, f"silkd started with a bad log level (exit {r.returncode})")
    check("log.levels.p2p: unknown level 'verbose' (trace, debug, info, warn, error, off)"
          in r.stderr, f"the refusal does not name the key: {r.stderr!r}")

    # JSON lines at info: the start line with its fields, no block lines (empty ones are debug).
    set_log(env, section)
    env.start()
    wait_for("the start line", lambda: any(
        l.get("message") == "silkd started" for l in json_lines(folder, whole=False)))
    lines = json_lines(folder, whole=False)
    started = next(l for l in lines if l.get("message") == "silkd started")
    check(list(started)[:4] == ["time", "level", "module", "message"], f"keys: {list(started)}")
    check(TIME.match(started["time"]), f"time not RFC 3339 UTC with ms: {started['time']}")
    check(started["level"] == "info" and started["module"] == "node", f"start line: {started}")
    check(started.get("consensus") == "solo" and started.get("height") == "0"
          and started.get("rpc", "").endswith(f":{env.port}"), f"start line fields: {started}")
    check(not any(l["level"] == "debug" for l in lines), "debug lines at level info")

    # SIGHUP: chain to debug. The empty blocks' lines appear.
    set_log(env, dict(section, levels={"chain": "debug"}))
    env.proc.send_signal(signal.SIGHUP)

    def block_lines():
        return [l for l in json_lines(folder, whole=False)
                if l["level"] == "debug" and l["module"] == "chain"
                and l["message"] == "block committed"]
    wait_for("debug block lines after SIGHUP", lambda: len(block_lines()) >= 3)
    b = block_lines()[-1]
    check(b.get("txs") == "0" and b.get("height", "").isdigit() and len(b.get("hash", "")) == 64,
          f"a block line's fields: {b}")

    # Rotation: silkd.log, silkd.1.log, silkd.2.log, never silkd.3.log; none over the bound.
    oldest = os.path.join(folder, "silkd.2.log")
    wait_for("two rotations", lambda: os.path.exists(oldest))
    first_old = first_line(oldest)
    wait_for("a third rotation", lambda: first_line(oldest) != first_old)
    wait_for("the live file", lambda: first_line(os.path.join(folder, "silkd.log")))
    names = [os.path.basename(p) for p in log_files(folder)]
    check(names == ["silkd.1.log", "silkd.2.log", "silkd.log"],
          f"rotation should keep {MAX_FILES} old files: {names}")
    for p in log_files(folder):
        check(os.path.getsize(p) <= MAX_FILE_BYTES, f"{p} is {os.path.getsize(p)} bytes")

    # A bad section on SIGHUP: refused with an error line, and debug lines go on.
    set_log(env, dict(section, level="verbose"))
    env.proc.send_signal(signal.SIGHUP)
    wait_for("the refusal line", lambda: any(
        l["level"] == "error" and l["message"] == "log settings not reloaded, the old ones stay"
        and "log.level: unknown level 'verbose'" in l.get("error", "")
        for l in json_lines(folder, whole=False)))
    heights = {l["height"] for l in block_lines()}
    wait_for("debug lines after the refused reload",
             lambda: {l["height"] for l in block_lines()} - heights)

    # SIGTERM: a clean stop, its last line written; every line of every file is JSON.
    check(env.kill(signal.SIGTERM) == 0, "silkd did not stop cleanly")
    lines = json_lines(folder)
    check(lines[-1]["message"] == "silkd stopped", f"last line: {lines[-1]}")
    check(len(log_files(folder)) <= MAX_FILES + 1, f"files: {log_files(folder)}")


if __name__ == "__main__":
    run(test, "logs")
