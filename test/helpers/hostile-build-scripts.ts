/**
 * The shell scripts of the hostile-build suite (issue 8), committed into the attacker's repo.
 * Each attack prints `RESULT <name> OK <evidence>` or `RESULT <name> DENIED`; the attack also
 * prints `WHOAMI <uid> <gid>`, the ids the build has as it sees them.
 */

/**
 * Finds slashbuild by its command line (its own config path, since other slashbuild services may
 * run on the machine), or uses the host pid the test committed.
 */
export const DISCOVER = `
target=$(cat ci/target-pid 2>/dev/null)
found=""
for d in /proc/[0-9]*; do
  if tr '\\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qF -- "slashbuild.js serve --config $SB_CONFIG"; then found="\${d#/proc/}"; fi
done
echo "slashbuild seen as pid: \${found:-none} (its host pid is $target)"
pid="\${found:-$target}"
`;

export const ATTACK = `#!/bin/sh
victim="$1"
res() { echo "RESULT $1 $2"; }
h() { sha256sum | cut -c1-64; }
echo "WHOAMI $(id -u) $(id -g)"
${DISCOVER}
cfg=$(tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n '/^--config$/{n;p;}')
echo "config path from /proc/$pid/cmdline: \${cfg:-unreadable}; trying $SB_CONFIG too"
for f in "$cfg" "$SB_CONFIG"; do [ -n "$f" ] && [ -r "$f" ] && { res config "OK $(h < "$f")"; break; }; done
[ -r "$SB_CONFIG" ] || [ -r "$cfg" ] || res config DENIED
if tr '\\0' '\\n' < "/proc/$pid/environ" 2>/dev/null | grep -q '^SB_SLASH_TOKEN='; then
  res environ "OK $(tr '\\0' '\\n' < "/proc/$pid/environ" | sed -n 's/^SB_SLASH_TOKEN=//p' | h)"
else res environ DENIED; fi
data="$SB_DATA"
if [ "$(head -c 15 "$data/slashbuild.db" 2>/dev/null)" = "SQLite format 3" ]; then res db-read OK; else res db-read DENIED; fi
if [ -e "$data/slashbuild.db" ] && python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
n = c.execute(\\"update builds set reason='PWNED-DB' where id=?\\", (int(sys.argv[2]),)).rowcount
c.commit()
sys.exit(0 if n == 1 else 1)" "$data/slashbuild.db" "$victim" 2>/dev/null; then res db-write OK; else res db-write DENIED; fi
if echo planted > "$data/PLANTED" 2>/dev/null; then res data-write OK; else res data-write DENIED; fi
log="$data/logs/$victim/0.log"
if grep -q VICTIM-LOG-LINE "$log" 2>/dev/null; then res log-read OK; else res log-read DENIED; fi
if [ -f "$log" ] && echo PWNED-LOG >> "$log" 2>/dev/null; then res log-append OK; else res log-append DENIED; fi
ws="$data/workspaces/$victim/ci/build.sh"
if [ -f "$ws" ] && echo "echo PWNED-WS" >> "$ws" 2>/dev/null; then res workspace-append OK; else res workspace-append DENIED; fi
hooks="$data/git/victim.git/hooks"
if [ -d "$hooks" ] && printf '#!/bin/sh\\ntouch %s\\n' "$SB_WITNESS" > "$hooks/reference-transaction" 2>/dev/null && chmod +x "$hooks/reference-transaction"; then
  res hook-plant OK; else res hook-plant DENIED; fi
# The working copy borrows its repo's objects from the mirror (git alternates): write there.
objects=$(head -n 1 .git/objects/info/alternates 2>/dev/null)
if [ -n "$objects" ] && echo planted > "$objects/PLANTED-OBJECT" 2>/dev/null; then res objects-write OK; else res objects-write DENIED; fi
# Issue 18. Beside the config: an editor's backup of it (hidden with the config's directory).
if [ -r "$SB_CONFIG.bak" ]; then res config-sibling "OK $(h < "$SB_CONFIG.bak")"; else res config-sibling DENIED; fi
# A file only slashbuild's group may read, where builds can see it.
if [ -r "$SB_GROUP_SECRET" ]; then res group-read "OK $(h < "$SB_GROUP_SECRET")"; else res group-read DENIED; fi
# Any descriptor above stderr: slashbuild's parent left one open on a file in a 0700 directory.
python3 - <<'PY'
import os
wrote = []
for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
    try:
        if fd > 2:
            os.write(fd, b"PWNED-FD\\n")
            wrote.append(str(fd))
    except OSError:
        pass
print("RESULT fd-write " + ("OK " + ",".join(wrote) if wrote else "DENIED"))
PY
echo ATTACK-DONE
`;

export const KILLER = `#!/bin/sh
${DISCOVER}
if kill -9 "$pid" 2>/dev/null; then echo "RESULT kill OK"; else echo "RESULT kill DENIED"; fi
sleep 1
`;

export const VICTIM = `#!/bin/sh
echo VICTIM-LOG-LINE
while [ ! -e release ]; do sleep 0.1; done
echo "build.sh now reads:"; cat ci/build.sh
`;

/** A grandchild in a session of its own, carrying the marker; then the step waits. */
export const ESCAPE = `#!/bin/sh
setsid sh -c 'touch escaped; sleep 300; true' "$1" > /dev/null 2>&1 &
# Once it has written this, it runs in its own session: out of the step's process group.
while [ ! -e escaped ]; do sleep 0.05; done
echo ESCAPE-STARTED
sleep 300
`;

/** Stores a random key in the session keyring; prints its hash. */
export const KEY_STORE = `#!/bin/sh
secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n')
if keyctl add user slashbuild-hostile-key "$secret" @s > /dev/null; then
  echo "RESULT key-store OK $(printf %s "$secret" | sha256sum | cut -c1-64)"
else echo "RESULT key-store DENIED"; fi
`;

/** A later build, of another repo: reads the key back from the session keyring; prints its hash. */
export const KEY_STEAL = `#!/bin/sh
if id=$(keyctl search @s user slashbuild-hostile-key) && value=$(keyctl pipe "$id"); then
  echo "RESULT key-read OK $(printf %s "$value" | sha256sum | cut -c1-64)"
else echo "RESULT key-read DENIED"; fi
`;

/** Waits, carrying the marker ($1) in its command line, until the test has looked at its groups. */
export const GROUPS = `#!/bin/sh
echo "GROUPS-WAITING $(id -G)"
exec sh -c 'while [ ! -e release ]; do sleep 0.1; done' "$1"
`;

/** Issue 18's attacks in ATTACK: what lies beside the config, slashbuild's group, inherited descriptors. */
export const SIDE_ATTACKS = ["config-sibling", "group-read", "fd-write"] as const;

export const FILE_ATTACKS = [
  "config",
  "environ",
  "db-read",
  "db-write",
  "data-write",
  "log-read",
  "log-append",
  "workspace-append",
  "hook-plant",
  "objects-write",
] as const;

/** The `RESULT <name> <verdict>` lines of a step log. */
export function attackResults(log: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, name, verdict] of log.matchAll(/^RESULT (\S+) (.*)$/gm)) found.set(name ?? "", verdict ?? "");
  return found;
}

/** The uid and gid the attack saw itself run as. */
export function attackIdentity(log: string): { uid: number; gid: number } | undefined {
  const found = /^WHOAMI (\d+) (\d+)$/m.exec(log);
  return found ? { uid: Number(found[1]), gid: Number(found[2]) } : undefined;
}
