import { readFileSync } from "node:fs";

/**
 * The local addresses a socket listens on at `port`, in this network namespace, as the kernel
 * reports them in /proc/net/tcp and /proc/net/tcp6 (state 0A is LISTEN): "127.0.0.1" for
 * loopback only, "0.0.0.0" or "::" for every interface.
 */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, decode] of [
    ["/proc/net/tcp", ipv4],
    ["/proc/net/tcp6", ipv6],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // No IPv6 in this kernel.
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, hexPort] = (local ?? "").split(":");
      if (state === "0A" && address && Number.parseInt(hexPort ?? "", 16) === port)
        found.push(decode(address));
    }
  }
  return found;
}

/** The kernel prints each 32-bit word of an address in host byte order: little-endian here. */
function word(hex: string): string[] {
  return (hex.match(/../g) ?? []).reverse();
}

function ipv4(hex: string): string {
  return word(hex)
    .map((byte) => Number.parseInt(byte, 16))
    .join(".");
}

function ipv6(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap(word);
  const groups = Array.from({ length: 8 }, (_, i) => `${bytes[2 * i]}${bytes[2 * i + 1]}`);
  // The URL parser writes an IPv6 address in its shortest form.
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}
