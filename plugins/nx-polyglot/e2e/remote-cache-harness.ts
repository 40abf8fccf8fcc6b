// Processes for the remote-cache tests: the gateway (tools/remote-cache/server.mjs)
// and versitygw, a real S3 server over a POSIX directory, both on loopback.
import { CreateBucketCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './repo-copy';

export const serverScript = join(repoRoot, 'tools', 'remote-cache', 'server.mjs');
export const REGION = 'us-east-1';

export interface Tokens {
  read: string;
  write: string;
  pr?: string;
  scopeKey?: string;
}

export const newTokens = (): Required<Tokens> => ({
  read: randomBytes(16).toString('hex'),
  write: randomBytes(16).toString('hex'),
  pr: randomBytes(16).toString('hex'),
  scopeKey: randomBytes(32).toString('hex'),
});

export interface S3Identity {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Gives the copies one snapshot of the plugin's build (a directory of their
 * own, where `require('nx')` resolves through the copy's node_modules) in place
 * of their link to the original's, so that they hash tasks alike even if the
 * original's build changes while the test runs (others rebuilding it on a shared machine).
 */
export function pinPluginBuild(copies: string[]): void {
  const dist = (root: string) => join(root, 'plugins', 'nx-polyglot', 'dist');
  copies.forEach((copy, i) => {
    rmSync(dist(copy), { recursive: true, force: true });
    cpSync(dist(i === 0 ? repoRoot : copies[0]), dist(copy), { recursive: true, dereference: true });
  });
}

/** Waits, without a clock, until `test` holds; gives up after `limitMs` (a guard, generous). */
export async function until(test: () => boolean | Promise<boolean>, what: string, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Gateway {
  url: string;
  log: () => string;
  /** the log lines of requests for `path` (…/v1/cache/<hash>) */
  requests: (hash: string) => string[];
  /** the first log line matching `pattern`, once it is there */
  logged: (pattern: RegExp) => Promise<string>;
  stop: () => Promise<void>;
}

/**
 * server.mjs on a free loopback port with `args` (its store) and `tokens`;
 * S3 credentials, when given, through the SDK's environment variables only.
 */
export async function startGateway(args: string[], tokens: Tokens, s3?: S3Identity): Promise<Gateway> {
  let output = '';
  const env: Record<string, string | undefined> = {
    NX_CACHE_SERVER_READ_TOKEN: tokens.read,
    NX_CACHE_SERVER_WRITE_TOKEN: tokens.write,
    NX_CACHE_SERVER_PR_TOKEN: tokens.pr,
    NX_CACHE_SERVER_SCOPE_KEY: tokens.scopeKey,
  };
  if (s3) Object.assign(env, s3Environment(s3));
  const child: ResultPromise = execa('node', [serverScript, '--port', '0', ...args], { env, reject: false, all: true });
  child.all?.on('data', (chunk: Buffer) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.all?.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    void child.then(() => reject(new Error(`the cache gateway exited:\n${output}`)));
  });
  return {
    url,
    log: () => output,
    requests: (hash) => output.split('\n').filter((l) => l.includes(`/v1/cache/${hash} `)),
    logged: async (pattern) => {
      await until(() => pattern.test(output), `a log line matching ${pattern}`);
      return output.split('\n').find((l) => pattern.test(l))!;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** The AWS SDK's standard variables for one identity; nothing read from ~/.aws, no instance metadata lookups. */
export function s3Environment({ accessKeyId, secretAccessKey }: S3Identity): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** tools/remote-cache/install-versitygw.sh: built once, cached by version; its path. */
export async function installVersitygw(): Promise<string> {
  const { stdout } = await execa('bash', [join(repoRoot, 'tools', 'remote-cache', 'install-versitygw.sh')], {
    stderr: 'inherit',
  });
  return stdout.trim().split('\n').pop()!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface S3Server {
  endpoint: string;
  root: S3Identity;
  /** an identity that may only read the bucket (bucket policy: GetObject, ListBucket) */
  readOnly: S3Identity;
  bucket: string;
  /** the keys in the bucket, read with the read-only identity */
  keys: (prefix?: string) => Promise<string[]>;
  client: (who: S3Identity) => S3Client;
  /** versitygw's access log: one line per S3 request it answered */
  accessLog: () => string;
  /** sends versitygw a signal: SIGSTOP stalls it (connections accepted, nothing answered), SIGCONT resumes it */
  signal: (signal: 'SIGSTOP' | 'SIGCONT') => void;
  stop: () => Promise<void>;
}

const identity = (name: string): S3Identity => ({
  accessKeyId: `${name}-${randomBytes(4).toString('hex')}`,
  secretAccessKey: randomBytes(20).toString('hex'),
});

/**
 * versitygw with its POSIX backend in `dir`, listening on 127.0.0.1 only,
 * its internal IAM holding a read-only user, and one bucket. Credentials go
 * to it through its environment variables, never its command line.
 */
export async function startVersitygw(binary: string, dir: string, bucket = 'nx-cache'): Promise<S3Server> {
  const root = identity('root');
  const readOnly = identity('reader');
  const [data, iam] = [join(dir, 'data'), join(dir, 'iam')];
  mkdirSync(data, { recursive: true });
  mkdirSync(iam, { recursive: true });
  // the internal IAM's file (versitygw's auth/iam_internal.go): one user of the plain "user" role
  const account = {
    access: readOnly.accessKeyId,
    secret: readOnly.secretAccessKey,
    role: 'user',
    userID: 0,
    groupID: 0,
    projectID: 0,
  };
  writeFileSync(join(iam, 'users.json'), JSON.stringify({ accessAccounts: { [readOnly.accessKeyId]: account } }), {
    mode: 0o600,
  });

  let child: ResultPromise | undefined;
  let endpoint = '';
  for (let attempt = 0; attempt < 3 && !endpoint; attempt++) {
    const port = await freePort(); // another process may take it before versitygw does: then try another
    const started = execa(binary, ['posix', data], {
      env: {
        ROOT_ACCESS_KEY_ID: root.accessKeyId,
        ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
        VGW_PORT: `127.0.0.1:${port}`,
        VGW_REGION: REGION,
        VGW_IAM_DIR: iam,
        VGW_HEALTH: '/health',
        VGW_QUIET: 'true',
        VGW_ACCESS_LOG: join(dir, 'access.log'),
      },
      reject: false,
      all: true,
    });
    let exited = false;
    void started.then(() => (exited = true));
    const healthy = async () => {
      if (exited) return true;
      return fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
    };
    await until(healthy, 'versitygw to answer');
    if (exited) continue;
    child = started;
    endpoint = `http://127.0.0.1:${port}`;
  }
  if (!child) throw new Error('versitygw did not start');
  const running = child;

  const client = (who: S3Identity) =>
    new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: who });
  await client(root).send(new CreateBucketCommand({ Bucket: bucket }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: [readOnly.accessKeyId] },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  };
  await client(root).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));

  const reader = client(readOnly);
  return {
    endpoint,
    root,
    readOnly,
    bucket,
    client,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    keys: async (prefix = '') => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await reader.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    signal: (signal) => {
      running.kill(signal);
    },
    stop: async () => {
      running.kill('SIGCONT');
      running.kill('SIGTERM');
      await running;
    },
  };
}
