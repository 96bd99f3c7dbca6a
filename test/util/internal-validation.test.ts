import { ownRule, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger } from '../../lib/util/internal-validation';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('validateDnsLabel', () => {
  test.each(['a', 'web', 'web-2', 'a--b', '2web', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(() => validateDnsLabel('name', name)).not.toThrow();
  });

  test.each([
    ['', 'empty'], ['x'.repeat(64), '64 characters'], ['Web', 'an upper-case letter'], ['web_app', 'an underscore'], ['web.app', 'a dot'],
    ['-web', 'a leading dash'], ['web-', 'a trailing dash'], [' web', 'a leading space'], ['web ', 'a trailing space'], ['a\nb', 'a line break'],
  ])('refuses %j (%s), naming the field, the value and the rule', (name) => {
    expect(() => validateDnsLabel('canaryServiceName', name)).toThrow(new Error("canaryServiceName must be a DNS-1123 label (lowercase letters, digits and '-', "
      + `starting and ending with a letter or digit, at most 63 characters), got '${name}'`));
  });
});

describe('validateImage', () => {
  test.each([
    'web:1.2.3', 'registry.example.com:5000/team/web:v1.2_3-rc.1', `web@${DIGEST}`, `registry.example.com:5000/web@${DIGEST}`, `web:1.2@${DIGEST}`, `web@sha512:${'f'.repeat(128)}`,
    `web:${'x'.repeat(128)}`, 'web:_1', 'web:LATEST-1',
  ])('accepts %s', (image) => {
    expect(() => validateImage('image', image)).not.toThrow();
  });

  test.each(['web', 'registry.example.com:5000/web', 'web:'])('refuses %s without a tag or digest', (image) => {
    expect(() => validateImage('image', image)).toThrow(`image must be pinned to a tag or digest, got '${image}': add a version tag (e.g. '${image}:1.4.2') or a digest (@sha256:...) `
      + ownRule('a moving tag changes what runs without a new revision, so no canary step or analysis sees the change'));
  });

  test.each(['web:latest', 'registry.example.com:5000/web:latest'])('refuses %s', (image) => {
    expect(() => validateImage('image', image)).toThrow(`image must not use the 'latest' tag, got '${image}'`);
  });

  test.each([
    ['.1', `web:.1`], ['-rc', 'web:-rc'], ['1+2', 'web:1+2'], ['x'.repeat(129), `web:${'x'.repeat(129)}`], ['1 2', 'web:1 2'],
  ])('refuses the tag %s', (_tag, image) => {
    const tag = image.slice(image.indexOf(':') + 1);
    expect(() => validateImage('image', image)).toThrow(new Error(`image has an invalid tag '${tag}' in '${image}': a tag is up to 128 letters, digits, '_', '.' or '-'`));
  });

  test.each([
    `web@sha256:${'0'.repeat(63)}`, `web@sha256:${'0'.repeat(65)}`, `web@sha256:${'A'.repeat(64)}`, `web@sha512:${'0'.repeat(64)}`, `web@md5:${'0'.repeat(32)}`, `web@${DIGEST}x`, 'web@1.2',
  ])('refuses the malformed digest of %s', (image) => {
    expect(() => validateImage('image', image)).toThrow(new Error(`image has an invalid digest in '${image}': a digest is @sha256: and 64, or @sha512: and 128, lowercase hexadecimal digits`));
  });
});

describe('validateInteger', () => {
  test('accepts the bounds themselves', () => {
    expect(() => validateInteger('port', 1, 1, 65535)).not.toThrow();
    expect(() => validateInteger('port', 65535, 1, 65535)).not.toThrow();
    expect(() => validateInteger('replicas', 0, 0)).not.toThrow();
  });

  test.each([[0], [65536], [1.5], [NaN]])('refuses %d outside 1-65535 or not an integer', (value) => {
    expect(() => validateInteger('port', value, 1, 65535)).toThrow(new Error(`port must be an integer between 1 and 65535, got ${value}`));
  });

  test('without a maximum the message says >= min; a rule of this library says so and why', () => {
    expect(() => validateInteger('replicas', -1, 0)).toThrow(new Error('replicas must be an integer >= 0, got -1'));
    expect(() => validateInteger('weight', 101, 0, 100, 'a reason')).toThrow(new Error(`weight must be an integer between 0 and 100, got 101 ${ownRule('a reason')}`));
  });
});

describe('validateDnsSubdomain (names of Secrets, ConfigMaps, claims)', () => {
  const longest = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
  test.each(['a', '0', 'db-credentials', 'app.config', 'a1.b-2.c', longest])('accepts %j', (value) => {
    expect(() => validateDnsSubdomain('secret', value)).not.toThrow();
  });

  test.each(['', 'A', 'Db', '-a', 'a-', '.a', 'a.', 'a..b', 'a.-b', 'a-.b', 'a_b', 'a b', `${longest}e`])('refuses %j', (value) => {
    expect(() => validateDnsSubdomain('secret', value)).toThrow(new Error(`secret must be a DNS-1123 subdomain (lowercase letters, digits, `
      + `'-' and '.', starting and ending with a letter or digit, at most 253 characters), got '${value}'`));
  });
});

test('a rule of this library says so, with its reason', () => {
  expect(ownRule('a reason')).toBe('(a rule of cdk8s-progressive, not of Argo Rollouts: a reason)');
});
