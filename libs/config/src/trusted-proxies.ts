import { BlockList, isIP } from 'node:net';

/**
 * The peers whose forwarding headers (X-Forwarded-For, X-Request-Id) Parley believes: a set of addresses and
 * CIDR ranges (TRUSTED_PROXIES). Anyone else could write any client address into X-Forwarded-For and pick
 * their own rate-limit bucket, so only these peers' headers count.
 */
export class TrustedProxies {
  private readonly blocks = new BlockList();

  private constructor(
    /** The entries as configured, e.g. `127.0.0.1/8`. */
    readonly entries: readonly string[],
  ) {
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.blocks.addAddress(address, family);
      else this.blocks.addSubnet(address, Number(prefix), family);
    }
  }

  /** Parses entries (IPs or CIDRs); returns the problems instead when some are not. */
  static parse(entries: readonly string[]): TrustedProxies | { problems: string[] } {
    const problems = entries.filter((entry) => !isAddressOrCidr(entry));
    return problems.length > 0 ? { problems } : new TrustedProxies(entries);
  }

  /** Whether a peer address (IPv4, IPv6 or IPv4-mapped IPv6, as Node reports it) is a trusted proxy. */
  includes(address: string | undefined): boolean {
    if (address === undefined) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return this.blocks.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

function isAddressOrCidr(entry: string): boolean {
  const parts = entry.split('/');
  const family = isIP(parts[0] ?? '');
  if (family === 0 || parts.length > 2) return false;
  if (parts.length === 1) return true;
  const prefix = parts[1] ?? '';
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
