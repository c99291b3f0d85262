#!/usr/bin/env python3
"""The Debian package (issue 15; docs/operations.md, cmake/packaging.cmake).

From the build folder's silkd and silk as they are (nothing is compiled), `cpack -G DEB` writes
silkledger_<version>_<arch>.deb into a temporary folder. Then:
  - `dpkg-deb -c` lists the binaries (executable), the systemd unit and the docs;
  - the control fields name the package and its dependencies (adduser, and the shared libraries
    dpkg-shlibdeps found: libsodium, OpenSSL's, …); postinst creates the `silkledger` user and /var/lib/silkledger, and
    the maintainer scripts are valid sh;
  - `dpkg-deb -x` into a temporary root: the extracted silkd and silk run (--version);
  - the unit has its hardening, and `systemd-analyze verify` accepts it with no complaint. verify
    insists that ExecStart's binary exists, and /usr/bin/silkd is not installed on this machine:
    it checks a copy of the unit whose ExecStart names the extracted binary instead, nothing else
    changed.
"""
import glob
import os
import re
import shutil
import subprocess
import time

from harness import check, run

HARDENING = {
    "User": "silkledger",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "NoNewPrivileges": "yes",
    "ReadWritePaths": "/var/lib/silkledger",
    "LimitNOFILE": "65536",
    "ExecReload": "/bin/kill -HUP $MAINPID",
    "Restart": "on-failure",
    "ExecStart": "/usr/bin/silkd --config /etc/silkledger/node.json",
}


def sh(*argv, **kw):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=300, **kw)
    check(r.returncode == 0, f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def unit_settings(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def test(env):
    cpack_config = os.path.join(env.bin, "CPackConfig.cmake")
    check(os.path.exists(cpack_config), f"{cpack_config} is missing: configure with cmake first")
    with open(os.path.join(env.bin, "CMakeCache.txt")) as f:
        version = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(\S+)$", f.read(), re.M).group(1)
    built = {b: os.path.getmtime(os.path.join(env.bin, b)) for b in ("silkd", "silk")}

    out = os.path.join(env.root, "package")
    t0 = time.time()
    sh("cpack", "-G", "DEB", "--config", cpack_config, "-B", out, cwd=env.bin)
    print(f"cpack: {time.time() - t0:.1f} s")
    for b, mtime in built.items():
        check(os.path.getmtime(os.path.join(env.bin, b)) == mtime, f"cpack rebuilt {b}")
    debs = glob.glob(os.path.join(out, "*.deb"))
    check(len(debs) == 1, f"cpack wrote {debs}")
    deb = debs[0]
    check(re.fullmatch(rf"silkledger_{re.escape(version)}_[a-z0-9]+\.deb", os.path.basename(deb)),
          f"package file name {os.path.basename(deb)}")

    # The files, with the binaries executable.
    modes = {}
    for line in sh("dpkg-deb", "-c", deb).stdout.splitlines():
        fields = line.split()
        modes[fields[-1]] = fields[0]
    for path in ("./usr/bin/silkd", "./usr/bin/silk"):
        check(modes.get(path, "").startswith("-rwxr-xr-x"), f"{path}: {modes.get(path)}")
    for path in ("./usr/lib/systemd/system/silkd.service",
                 "./usr/share/doc/silkledger/README.md",
                 "./usr/share/doc/silkledger/operations.md",
                 "./usr/share/doc/silkledger/config.md",
                 "./usr/share/doc/silkledger/api.md"):
        check(path in modes, f"{path} is not in the package:\n" + "\n".join(sorted(modes)))

    # Control fields and maintainer scripts.
    fields = sh("dpkg-deb", "-f", deb, "Package", "Version", "Depends", "Architecture").stdout
    check(re.search(r"^Package: silkledger$", fields, re.M), fields)
    check(re.search(rf"^Version: {re.escape(version)}$", fields, re.M), fields)
    depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
    for dep in ("adduser", "libc6", "libsodium", "libssl3"):  # RocksDB is linked in statically
        check(dep in depends, f"Depends lacks {dep}: {depends}")
    control = os.path.join(env.root, "control")
    sh("dpkg-deb", "-e", deb, control)
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        check(os.access(path, os.X_OK), f"{script} missing or not executable")
        sh("sh", "-n", path)
    with open(os.path.join(control, "postinst")) as f:
        postinst = f.read()
    check("adduser --system" in postinst and "silkledger" in postinst, "postinst makes no user")
    check("/var/lib/silkledger" in postinst, "postinst makes no data folder")

    # The extracted binaries run.
    root = os.path.join(env.root, "root")
    sh("dpkg-deb", "-x", deb, root)
    silkd = os.path.join(root, "usr", "bin", "silkd")
    check(sh(silkd, "--version").stdout.strip() == f"silkd {version}", "silkd --version")
    check(sh(os.path.join(root, "usr", "bin", "silk"), "--version").stdout.strip()
          == f"silk {version}", "silk --version")

    # The unit: its settings, then systemd-analyze verify on a copy pointing at the extracted silkd.
    with open(os.path.join(root, "usr", "lib", "systemd", "system", "silkd.service")) as f:
        unit = f.read()
    settings = unit_settings(unit)
    for key, want in HARDENING.items():
        check(settings.get(key) == want, f"unit: {key}={settings.get(key)!r}, want {want!r}")
    analyze = shutil.which("systemd-analyze")
    check(analyze is not None, "systemd-analyze is missing (tools/setup.sh installs systemd)")
    copy_dir = os.path.join(env.root, "unit")
    os.makedirs(copy_dir)
    copy = os.path.join(copy_dir, "silkd.service")
    with open(copy, "w") as f:
        f.write(unit.replace("ExecStart=/usr/bin/silkd ", f"ExecStart={silkd} ", 1))
    r = subprocess.run([analyze, "verify", copy], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
          f"systemd-analyze verify (exit {r.returncode}):\n{r.stdout}{r.stderr}")


if __name__ == "__main__":
    run(test, "package")
