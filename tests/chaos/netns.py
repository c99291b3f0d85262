"""Network namespaces for the chaos suite: each node in its own namespace behind one router that
the run owns, so that a partition is a routing rule on that router.

    root namespace: the driver (load, RPC checks, hostile peers) at 10.213.K.254
        | veth "schaos<pid>" <-> "drv"
    silkchaos-<pid>-rt: the router (IPv4 forwarding on in this namespace only)
        | veth "n<i>" <-> "eth0", one per node
    silkchaos-<pid>-n<i>: node i (0-based) at 10.213.K.<i+1>, its silkd started with
        `ip netns exec silkchaos-<pid>-n<i> silkd ...`

Every link is point to point (`ip addr add A peer B`) and every namespace routes 10.213.K.0/24
through the router. Cutting node a off from node b adds `ip rule add from A to B blackhole` in the
router: packets that cross the cut are dropped silently (a real partition: no ICMP, no reset), in
the direction(s) asked, while the driver still reaches every node. Healing deletes the rules.

Only iproute2 and the kernel's policy routing are used: tc's drop action (act_gact) is not built
into every kernel we run on (not this machine's), and nothing here depends on netfilter.

K is the first /24 of 10.213.0.0/16, from the pid on, with no address or route in the root
namespace, chosen under a lock so that runs side by side on one machine get their own. Names carry
the owning pid: remove_leftovers() deletes those of runs whose process is gone (a crashed or
SIGKILLed run), killing what still runs in them, and close() deletes a run's own, also on failure.
"""
import fcntl
import os
import re
import signal
import subprocess
import time

PREFIX = "silkchaos-"
ROOT_LINK_PREFIX = "schaos"  # + pid: under IFNAMSIZ (15) for any pid
LOCK_PATH = "/run/lock/silk-chaos-netns.lock"
NET = "10.213"
DRIVER_HOST = 254
ROUTER_HOST = 253
RULE_PRIORITY = 1000


class NetnsError(RuntimeError):
    """A namespace, link, address or rule could not be made: the run cannot inject partitions."""


def ip(*argv, input=None, check=True):
    r = subprocess.run(["ip", *argv], input=input, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise NetnsError(f"`ip {' '.join(argv)}` failed ({r.returncode}): "
                         f"{(r.stderr or r.stdout).strip()}")
    return r


class Namespaces:
    """The namespaces, links and routes of one chaos run for `nodes` nodes. Not thread-safe: one
    caller (the schedule) cuts and heals."""

    def __init__(self, nodes):
        self.n = nodes
        self.pid = os.getpid()
        self.router = f"{PREFIX}{self.pid}-rt"
        self.names = [f"{PREFIX}{self.pid}-n{i + 1}" for i in range(nodes)]
        self.root_link = f"{ROOT_LINK_PREFIX}{self.pid}"
        self.rules = set()  # (from node, to node) pairs dropped now
        self.subnet = None
        try:
            with open(LOCK_PATH, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self.subnet = free_subnet(self.pid)
                self.build()
        except BaseException:
            self.close()
            raise

    def address(self, i):
        return f"{NET}.{self.subnet}.{i + 1}"

    @property
    def driver_address(self):
        return f"{NET}.{self.subnet}.{DRIVER_HOST}"

    def run_in(self, i):
        """The command prefix that runs a program in node i's namespace."""
        return ["ip", "netns", "exec", self.names[i]]

    def build(self):
        k = self.subnet
        router, net24 = self.router, f"{NET}.{k}.0/24"
        ip("netns", "add", router)
        ip("-n", router, "link", "set", "lo", "up")
        forward = subprocess.run(["ip", "netns", "exec", router, "sysctl", "-qw",
                                  "net.ipv4.ip_forward=1"], capture_output=True, text=True)
        if forward.returncode != 0:
            raise NetnsError(f"cannot turn on forwarding in {router}: {forward.stderr.strip()}")
        # The driver's link, created in the router with its other end moved to our namespace.
        rtr = f"{NET}.{k}.{ROUTER_HOST}"
        ip("-n", router, "link", "add", "drv", "type", "veth", "peer", "name", self.root_link,
           "netns", str(self.pid))
        ip("-n", router, "addr", "add", rtr, "peer", self.driver_address, "dev", "drv")
        ip("-n", router, "link", "set", "drv", "up")
        ip("addr", "add", self.driver_address, "peer", rtr, "dev", self.root_link)
        ip("link", "set", self.root_link, "up")
        ip("route", "add", net24, "via", rtr, "dev", self.root_link)
        for i, name in enumerate(self.names):
            ip("netns", "add", name)
            ip("-n", name, "link", "set", "lo", "up")
            port = f"n{i + 1}"
            ip("-n", router, "link", "add", port, "type", "veth", "peer", "name", "eth0",
               "netns", name)
            ip("-n", router, "addr", "add", rtr, "peer", self.address(i), "dev", port)
            ip("-n", router, "link", "set", port, "up")
            ip("-n", name, "addr", "add", self.address(i), "peer", rtr, "dev", "eth0")
            ip("-n", name, "link", "set", "eth0", "up")
            ip("-n", name, "route", "add", net24, "via", rtr, "dev", "eth0")

    # -- partitions

    def cut(self, groups, one_way=False):
        """Drops every packet between nodes of different groups (lists of node indexes; nodes in
        no group keep all their links). one_way: only packets from a later group to an earlier
        one are dropped (the first group hears nothing but is heard)."""
        pairs = set()
        for gi, a_group in enumerate(groups):
            for b_group in groups[gi + 1:]:
                for a in a_group:
                    for b in b_group:
                        pairs.add((b, a))
                        if not one_way:
                            pairs.add((a, b))
        self.apply(add=pairs - self.rules)

    def heal(self):
        """Removes every cut: all nodes reach each other again."""
        self.apply(remove=set(self.rules))

    def apply(self, add=(), remove=()):
        """One `ip -batch` in the router, so a cut or a heal lands at once."""
        lines = [f"rule del from {self.address(a)} to {self.address(b)} blackhole "
                 f"priority {RULE_PRIORITY}" for a, b in sorted(remove)]
        lines += [f"rule add from {self.address(a)} to {self.address(b)} blackhole "
                  f"priority {RULE_PRIORITY}" for a, b in sorted(add)]
        if lines:
            ip("-n", self.router, "-batch", "-", input="\n".join(lines) + "\n")
        self.rules = (self.rules - set(remove)) | set(add)

    # -- teardown

    def close(self):
        """Deletes everything this run made; killing what still runs in a node's namespace."""
        remove_run(self.pid)


def free_subnet(pid):
    """A third octet K with nothing of 10.213.K.0/24 in the root namespace's addresses or
    routes (the caller holds the lock)."""
    used = ip("-4", "-o", "addr", "show").stdout + ip("-4", "-o", "route", "show", "table",
                                                      "all").stdout
    for step in range(256):
        k = (pid + step) % 256
        if not re.search(rf"\b{re.escape(NET)}\.{k}\.\d", used):
            return k
    raise NetnsError(f"no free /24 in {NET}.0.0/16 in the root namespace")


def owned(name):
    """The pid of the run that made a namespace or root link of ours, or None."""
    m = re.fullmatch(rf"{PREFIX}(\d+)-(rt|n\d+)", name) or re.fullmatch(
        rf"{ROOT_LINK_PREFIX}(\d+)", name)
    return int(m.group(1)) if m else None


def run_alive(pid):
    """True when pid is a live chaos driver (a reused pid running something else is not)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"chaos" in f.read()
    except OSError:
        return False


def namespaces():
    out = ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def remove_run(pid):
    """Deletes the namespaces and root link of run `pid`, first killing the processes left in
    them (silkd started by that run). Never raises: it runs on the way out of a failure."""
    names = [n for n in namespaces() if owned(n) == pid]
    for name in sorted(names, key=lambda n: n.endswith("-rt")):  # the router last
        left = ip("netns", "pids", name, check=False).stdout.split()
        for p in left:
            try:
                os.kill(int(p), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        deadline = time.time() + 10
        while left and time.time() < deadline and ip("netns", "pids", name,
                                                     check=False).stdout.split():
            time.sleep(0.05)
        ip("netns", "del", name, check=False)
    link = f"{ROOT_LINK_PREFIX}{pid}"
    if ip("link", "show", link, check=False).returncode == 0:
        ip("link", "del", link, check=False)


def remove_leftovers():
    """Removes what runs that are gone left behind (a crashed run's namespaces and links);
    returns the names of those runs' pids."""
    pids = {owned(n) for n in namespaces()} - {None}
    links = ip("-o", "link", "show", check=False).stdout
    pids |= {int(m) for m in re.findall(rf"^\d+: {ROOT_LINK_PREFIX}(\d+)[@:]", links, re.M)}
    gone = sorted(p for p in pids if p != os.getpid() and not run_alive(p))
    for p in gone:
        remove_run(p)
    return gone
