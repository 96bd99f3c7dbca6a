/**
 * Per-namespace credentials: a directory with one file per tenant namespace, the file's name the
 * namespace and its content that namespace's bearer token (a Kubernetes Secret mounted as a volume,
 * one key per namespace). A token authorizes verdicts for its own namespace only. A second file
 * `<namespace>.<anything>` holds another token of the same namespace, so a token can be rotated
 * without a moment where the namespace's analyses present a token the gate does not know yet.
 *
 * The directory is read again whenever asked (the server does so every few seconds), so a rotated
 * Secret takes effect without a restart; a directory that cannot be read or holds a bad entry leaves
 * the previous tokens in force, and the error names the file, never a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DNS_LABEL_PATTERN } from '@cdk8s-progressive/gate-contract';

/** Shortest token accepted: 16 characters (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 4096;

export class TenantTokensError extends Error {}

function digest(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}

export class TenantTokens {
  /**
   * Reads the directory. Entries whose names start with a dot (a mounted Secret's `..data` links)
   * are skipped; every other entry must be a file named after a namespace.
   */
  public static read(dir: string): TenantTokens {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      throw new TenantTokensError(`tenant tokens directory ${dir} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const tenants = new Map<string, { namespace: string; digest: Uint8Array }>();
    const owners = new Map<string, string>();
    const namespaceLabel = new RegExp(DNS_LABEL_PATTERN);
    for (const name of names) {
      const file = path.join(dir, name);
      const [namespace, ...suffix] = name.split('.');
      if (!namespaceLabel.test(namespace) || suffix.length > 1 || (suffix.length === 1 && !/^[a-z0-9-]{1,63}$/.test(suffix[0]))) {
        throw new TenantTokensError(`tenant token file ${file} must be named after a namespace (a DNS label), optionally followed by `
          + `.<suffix> for a second token during a rotation, got ${JSON.stringify(name)}`);
      }
      let token: string;
      try {
        if (!fs.statSync(file).isFile()) throw new TenantTokensError(`tenant token ${file} must be a file holding the token of namespace ${namespace}`);
        token = fs.readFileSync(file, 'utf8').trim();
      } catch (err) {
        if (err instanceof TenantTokensError) throw err;
        throw new TenantTokensError(`tenant token file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
        throw new TenantTokensError(`tenant token of namespace ${namespace} (${file}) must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} printable characters `
          + `without spaces, got ${token.length} characters: generate one with openssl rand -hex 32`);
      }
      const key = Buffer.from(digest(token)).toString('hex');
      const other = owners.get(key);
      if (other !== undefined && other !== namespace) {
        throw new TenantTokensError(`namespaces ${other} and ${namespace} share one token: give each namespace its own, or one would judge the other's workloads`);
      }
      owners.set(key, namespace);
      tenants.set(name, { namespace, digest: digest(token) });
    }
    return new TenantTokens(tenants);
  }

  private constructor(private readonly tenants: ReadonlyMap<string, { namespace: string; digest: Uint8Array }>) {}

  /** The namespaces that have a token, sorted. */
  public get namespaces(): string[] {
    return [...new Set([...this.tenants.values()].map((t) => t.namespace))];
  }

  /** A fingerprint of the whole set (digests only), to tell whether a reload changed anything. */
  public get fingerprint(): string {
    const h = createHash('sha256');
    for (const [name, t] of this.tenants) h.update(name).update(t.digest);
    return h.digest('hex');
  }

  /**
   * The namespace whose token this is, or undefined. Compares SHA-256 digests in constant time with
   * every tenant's, without stopping at a match, so timing tells nothing about the tokens.
   */
  public namespaceOf(token: string): string | undefined {
    const presented = digest(token);
    let found: string | undefined;
    for (const { namespace, digest: expected } of this.tenants.values()) {
      if (timingSafeEqual(presented, expected) && found === undefined) found = namespace;
    }
    return found;
  }
}
