/** Validation helpers shared by the constructs of every area (internal). */

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws unless `value` is an RFC 1123 label (Kubernetes object and Service names). */
export function validateDnsLabel(prop: string, value: string): void {
  if (value.length > 63 || !DNS_1123_LABEL.test(value)) {
    throw new Error(`${prop} must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending `
      + `with a letter or digit, at most 63 characters), got '${value}'`);
  }
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `value` is an RFC 1123 subdomain (names of Secrets, ConfigMaps, PersistentVolumeClaims). */
export function validateDnsSubdomain(prop: string, value: string): void {
  if (value.length > 253 || !DNS_1123_SUBDOMAIN.test(value)) {
    throw new Error(`${prop} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending `
      + `with a letter or digit, at most 253 characters), got '${value}'`);
  }
}

const IMAGE_WHY = 'a moving tag changes what runs without a new revision, so no canary step or analysis sees the change';

/** Throws unless `image` is pinned by a tag other than `latest` or by a digest. */
export function validateImage(prop: string, image: string): void {
  if (image.includes('@')) {
    if (/@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.test(image)) return;
    throw new Error(`${prop} has an invalid digest in '${image}': a digest is @sha256: and 64, or @sha512: and 128, lowercase hexadecimal digits`);
  }
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  if (!tag) {
    throw new Error(`${prop} must be pinned to a tag or digest, got '${image}': add a version tag (e.g. '${image}:1.4.2') or a digest (@sha256:...) `
      + ownRule(IMAGE_WHY));
  }
  if (tag === 'latest') {
    throw new Error(`${prop} must not use the 'latest' tag, got '${image}': pin a version tag or a digest ${ownRule(IMAGE_WHY)}`);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    throw new Error(`${prop} has an invalid tag '${tag}' in '${image}': a tag is up to 128 letters, digits, '_', '.' or '-'`);
  }
}

/**
 * The end of the message of a rule this library enforces although the Argo Rollouts controller
 * accepts the spec: says so, and why. Listed in docs/validation.md.
 */
export function ownRule(why: string): string {
  return `(a rule of cdk8s-progressive, not of Argo Rollouts: ${why})`;
}

/**
 * Throws unless `value` is an integer within [min, max]. `ownRuleWhy`, when given, says why the
 * range is this library's rule rather than the controller's.
 */
export function validateInteger(prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER, ownRuleWhy?: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
    throw new Error(`${prop} must be ${range}, got ${value}${ownRuleWhy ? ` ${ownRule(ownRuleWhy)}` : ''}`);
  }
}
