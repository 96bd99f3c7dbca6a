/**
 * Certificates of the local control plane, made with openssl: a CA, the API server's serving
 * certificate (for 127.0.0.1 and localhost), an administrator's client certificate (group
 * system:masters, used by every component and by the tests) and the service-account signing key.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Certificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`openssl ${args[0]} failed (${r.error?.message ?? r.stderr.trim()}), the local control plane needs openssl on the PATH`);
  }
}

/** Writes a fresh set of certificates into `dir` (created if missing) and returns their paths. */
export function makeCertificates(dir: string): Certificates {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=cdk8s-progressive local CA'], dir);
  const leaf = (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(f(`${name}.ext`), extensions);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650',
      '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
    fs.rmSync(f(`${name}.csr`));
    fs.rmSync(f(`${name}.ext`));
  };
  leaf('apiserver', '/CN=kube-apiserver', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  leaf('admin', '/O=system:masters/CN=cdk8s-progressive-admin', 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth');
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caCert: f('ca.crt'), caKey: f('ca.key'), serverCert: f('apiserver.crt'), serverKey: f('apiserver.key'),
    adminCert: f('admin.crt'), adminKey: f('admin.key'), serviceAccountKey: f('sa.key'), serviceAccountPub: f('sa.pub'),
  };
}
