// For the tests beside this file: server.mjs as a process on a free loopback
// port, as it runs in production, its log collected.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));

export const newTokens = () => ({
  read: randomBytes(16).toString('hex'),
  write: randomBytes(16).toString('hex'),
  pr: randomBytes(16).toString('hex'),
  scopeKey: randomBytes(32).toString('hex'),
});

/** server.mjs with `args`; resolves once it listens, or with its exit ({ code, output }) if it does not start. */
export async function spawnGateway(args, tokens, env = {}) {
  const child = spawn(process.execPath, [serverScript, '--port', '0', ...args], {
    env: {
      PATH: process.env.PATH,
      NX_CACHE_SERVER_READ_TOKEN: tokens.read,
      NX_CACHE_SERVER_WRITE_TOKEN: tokens.write,
      NX_CACHE_SERVER_PR_TOKEN: tokens.pr,
      NX_CACHE_SERVER_SCOPE_KEY: tokens.scopeKey,
      ...env,
    },
  });
  let output = '';
  const exited = once(child, 'exit').then(([code]) => ({ code, output }));
  const url = await new Promise((resolve) => {
    const collect = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then(() => resolve(undefined));
  });
  if (!url) return { exit: await exited };
  const request = (method, path, token, body) =>
    fetch(`${url}${path}`, { method, body, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    url,
    pid: child.pid,
    log: () => output,
    /** the first log line matching `pattern`, once the log (a pipe) brought it */
    logged: async (pattern) => {
      while (!pattern.test(output)) {
        if (child.exitCode !== null) assert.fail(`the gateway exited; no log line matches ${pattern}:\n${output}`);
        await once(child.stdout, 'data');
      }
      return output.split('\n').find((line) => pattern.test(line));
    },
    get: (path, token) => request('GET', path, token),
    put: (path, token, body) => request('PUT', path, token, body),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A raw HTTP/1.1 request on a socket of its own, writing only `head` and `sent` bytes of
 * the body: what a client that declares more than it sends (or is cut off) looks like.
 */
export async function rawRequest(url, head, sent = 0) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  let errors = '';
  socket.on('error', (e) => (errors += `${e.code ?? e.message} `));
  socket.write(head);
  if (sent) socket.write(Buffer.alloc(sent, 120));
  return { socket, received: () => received, errors: () => errors.trim(), closed };
}
