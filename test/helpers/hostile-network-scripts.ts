/**
 * The network attacks of the hostile-build suite (issue 18), committed into the attacker's repo
 * as `ci/net.py`. Each prints `RESULT <name> OK <what it got>` or `RESULT <name> DENIED`; what it
 * got is what the host's service sent, which the build cannot know otherwise. Where the targets
 * are comes in the environment: ports and addresses are no secret.
 */
export const NET_ATTACK = `import os, socket, sys

env = os.environ
def res(name, got):
    print("RESULT %s %s" % (name, "OK " + got if got else "DENIED"), flush=True)

def read_from(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(address)
        return s.recv(200).decode(errors="replace").strip() or None
    except OSError as e:
        print("%s: %s" % (address, e), flush=True)
        return None
    finally:
        s.close()

def http_get(host, port, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((host, port))
        s.sendall(("GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" % (path, host)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace").split("\\r\\n\\r\\n", 1)[-1]
    except OSError as e:
        print("http://%s:%s%s: %s" % (host, port, path, e), flush=True)
        return None
    finally:
        s.close()

# slashbuild's /metrics, served to requests from this machine only.
body = http_get("127.0.0.1", int(env["SB_PORT"]), "/metrics") or ""
res("metrics", "slashbuild_builds_started_total" if "slashbuild_builds_started_total" in body else None)

# A TCP service on the host's loopback (as the Buildbot master's API and worker port are).
res("loopback", read_from(socket.AF_INET, ("127.0.0.1", int(env["SB_LOOPBACK_PORT"]))))

# The host's abstract unix sockets: listed in /proc/net/unix, then connected to by the name
# listed there (its "@"s are NULs: Node's listener pads the name to the full address length).
name = env["SB_ABSTRACT"]
listed = [line.split()[-1] for line in open("/proc/net/unix") if "@" + name in line]
res("abstract-list", name if listed else None)
address = listed[0].replace("@", "\\0").encode() if listed else b"\\0" + name.encode()
res("abstract-connect", read_from(socket.AF_UNIX, address))

# The host's connections: its loopback listener in /proc/net/tcp (state 0A, listening).
port = ":%04X" % int(env["SB_LOOPBACK_PORT"])
seen = [l for l in open("/proc/net/tcp").read().splitlines()[1:] if l.split()[1].endswith(port) and l.split()[3] == "0A"]
res("proc-net-tcp", seen[0].split()[1] if seen else None)

# The host's own address on another interface, where a service listens on all addresses.
res("other-interface", read_from(socket.AF_INET, (env["SB_HOST_ADDRESS"], int(env["SB_ALL_PORT"]))))

# The outside: a test host in a network namespace of the test's, routed from the host.
res("outside", http_get(env["SB_OUTSIDE"], int(env["SB_OUTSIDE_PORT"]), "/"))

# Where DNS queries go.
servers = [l.split()[1] for l in open("/etc/resolv.conf") if l.startswith("nameserver")]
print("RESOLVER %s" % (servers[0] if servers else "none"), flush=True)
print("NET-DONE", flush=True)
`;

/** The attacks whose verdict depends on the network mode: OK with `network: host`, DENIED with the default. */
export const HOST_ATTACKS = [
  "metrics",
  "loopback",
  "abstract-list",
  "abstract-connect",
  "proc-net-tcp",
  "other-interface",
] as const;
