/**
 * Prometheus basic auth from files (a mounted Secret of type kubernetes.io/basic-auth): the user
 * name and password never appear in a URL, a flag, an environment variable or a log line. Errors
 * name the file, never its content.
 */
import * as fs from 'node:fs';

function readSecretFile(what: string, file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`prometheus ${what} file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // A trailing newline (echo > file) is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** The `Authorization` header value for Prometheus' basic auth, read from the two files. */
export function readBasicAuth(usernameFile: string, passwordFile: string): string {
  const username = readSecretFile('username', usernameFile);
  const password = readSecretFile('password', passwordFile);
  if (username === '' || username.includes(':') || /[\r\n]/.test(username)) {
    throw new Error(`prometheus username file ${usernameFile} must hold one user name without ':' or line breaks`);
  }
  if (password === '' || /[\r\n]/.test(password)) {
    throw new Error(`prometheus password file ${passwordFile} must hold one password without line breaks`);
  }
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
