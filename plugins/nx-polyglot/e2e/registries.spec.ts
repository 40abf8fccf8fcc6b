import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPath } from '../src/cargo/sparse-index';
import {
  cleanEnv,
  installRegistries,
  registriesTools,
  sparseIndexEntries,
  startRegistries,
  stopRegistries,
  verdaccioToken,
  waitFor,
} from './registries';

function write(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const crate = 'nxp-e2e-tiny';
const cratePackage = (version: string): Record<string, string> => ({
  'Cargo.toml': `[package]\nname = "${crate}"\nversion = "${version}"\nedition = "2021"\ndescription = "e2e"\nlicense = "MIT"\n\n[workspace]\n`,
  'src/lib.rs': 'pub fn answer() -> u32 {\n    42\n}\n',
});

/** What a new TCP connection (not one of fetch's pooled ones) to the URL's port meets. */
function connectOutcome(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.setTimeout(5_000, () => (socket.destroy(), resolve('timeout')));
    socket.on('connect', () => (socket.destroy(), resolve('connected')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('local package registries (tools/registries)', () => {
  let root: string;
  let data: string;
  let urls: Record<string, string>;
  const token = `e2e-${randomBytes(16).toString('hex')}`;
  const cargoHome = () => join(root, 'cargo-home'); // no user config in the way: cargo needs none

  /** cargo with the registry given by the environment only; `auth` is the token, if any. */
  const cargo = (args: string[], cwd: string, auth?: string) =>
    execa('cargo', args, {
      cwd,
      env: cleanEnv({
        CARGO_HOME: cargoHome(),
        CARGO_TARGET_DIR: join(root, 'cargo-target'),
        CARGO_REGISTRIES_LOCAL_INDEX: urls.CARGO_REGISTRIES_LOCAL_INDEX,
        ...(auth === undefined ? {} : { CARGO_REGISTRIES_LOCAL_TOKEN: auth }),
      }),
      extendEnv: false,
      reject: false,
      all: true,
    });

  const crateDir = (version: string) => {
    const dir = join(root, `crate-${version}`);
    write(dir, cratePackage(version));
    return dir;
  };

  const npm = (args: string[], cwd: string, npmToken: string) =>
    execa('npm', args, {
      cwd,
      env: cleanEnv({
        NPM_CONFIG_REGISTRY: urls.NPM_CONFIG_REGISTRY,
        NPM_CONFIG_USERCONFIG: join(data, 'npmrc'),
        NPM_CONFIG_CACHE: join(root, 'npm-cache'),
        NPM_TOKEN: npmToken,
      }),
      extendEnv: false,
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'nx-polyglot-registries-'));
    data = join(root, 'data');
    await installRegistries(); // a no-op once the cache has them; the first kellnr build takes long
    urls = await startRegistries(data, token);
  }, 3_600_000);

  afterAll(async () => {
    if (data) await stopRegistries(data);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses to start kellnr without CARGO_REGISTRIES_LOCAL_TOKEN, naming it, and starts nothing', async () => {
    const other = join(root, 'no-token');
    const result = await execa('bash', [join(registriesTools, 'start.sh'), other], {
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/CARGO_REGISTRIES_LOCAL_TOKEN is not set/);
    expect(existsSync(other) ? readdirSync(other).filter((f) => f.endsWith('.pid')) : []).toEqual([]);
  });

  it('writes the URLs, and only them, to registries.env', () => {
    const text = readFileSync(join(data, 'registries.env'), 'utf8');
    expect(urls).toEqual({
      CARGO_REGISTRIES_LOCAL_INDEX: expect.stringMatching(/^sparse\+http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crates\/$/),
      POETRY_REPOSITORIES_LOCAL_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      LOCAL_PYPI_SIMPLE_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/simple\/$/),
      NPM_CONFIG_REGISTRY: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
    });
    expect(text.trim().split('\n')).toHaveLength(4);
    expect(readFileSync(join(data, 'npmrc'), 'utf8').trim()).toBe(
      `//${new URL(urls.NPM_CONFIG_REGISTRY).host}/:_authToken=\${NPM_TOKEN}`,
    );
  });

  it("serves kellnr's sparse index config with its real address, readable without a token", async () => {
    const index = urls.CARGO_REGISTRIES_LOCAL_INDEX.replace(/^sparse\+/, '');
    const config = await (await fetch(new URL('config.json', index))).json();
    const origin = new URL(index).origin;
    expect(config).toEqual({ dl: `${origin}/api/v1/crates/dl`, api: origin, 'auth-required': false });
  });

  it('publishes a crate with cargo and the token; it appears in the sparse index', async () => {
    const result = await cargo(['publish', '--registry', 'local'], crateDir('0.1.0'), token);
    expect(result.exitCode, result.all).toBe(0);
    const entries = await waitFor('the crate in the index', () =>
      sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate),
    );
    expect(entries.map((e) => [e.vers, e.yanked])).toEqual([['0.1.0', false]]);
    expect(indexPath(crate)).toBe('nx/p-/nxp-e2e-tiny');
  }, 900_000);

  it('refuses a publish without the token, or with a wrong one', async () => {
    const dir = crateDir('0.1.1');
    const without = await cargo(['publish', '--registry', 'local', '--no-verify'], dir);
    expect(without.exitCode).not.toBe(0);
    expect(without.all).toMatch(/no token found for `local`/);
    const wrong = await cargo(['publish', '--registry', 'local', '--no-verify'], dir, 'not-the-token');
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.all).toMatch(/403 Forbidden/);
    // the registry itself refuses, whatever the client does
    const api = new URL(urls.CARGO_REGISTRIES_LOCAL_INDEX.replace(/^sparse\+/, ''));
    expect((await fetch(new URL('new', api), { method: 'PUT', body: '' })).status).toBe(401);
    const entries = await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate);
    expect(entries?.map((e) => e.vers)).toEqual(['0.1.0']);
  }, 900_000);

  it('yanks, and un-yanks, a version; the index shows it', async () => {
    const yank = await cargo(['yank', '--registry', 'local', crate, '--version', '0.1.0'], root, token);
    expect(yank.exitCode, yank.all).toBe(0);
    await waitFor('"yanked":true', async () =>
      (await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.[0].yanked === true ? true : undefined,
    );
    const undo = await cargo(['yank', '--registry', 'local', crate, '--version', '0.1.0', '--undo'], root, token);
    expect(undo.exitCode, undo.all).toBe(0);
    await waitFor('"yanked":false', async () =>
      (await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.[0].yanked === false ? true : undefined,
    );
    const wrong = await cargo(['yank', '--registry', 'local', crate, '--version', '0.1.0'], root, 'not-the-token');
    expect(wrong.exitCode).not.toBe(0);
    expect((await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.[0].yanked).toBe(false);
  }, 900_000);

  it('publishes a Python package with poetry; it appears in the simple index', async () => {
    const dir = join(root, 'py');
    write(dir, {
      'pyproject.toml':
        '[project]\nname = "nxp-e2e-tiny"\nversion = "0.1.0"\ndescription = "e2e"\nrequires-python = ">=3.9"\n\n' +
        '[tool.poetry]\npackages = [{ include = "nxp_e2e_tiny" }]\n\n' +
        '[build-system]\nrequires = ["poetry-core>=2.0"]\nbuild-backend = "poetry.core.masonry.api"\n',
      'nxp_e2e_tiny/__init__.py': 'ANSWER = 42\n',
    });
    const missing = await fetch(new URL('nxp-e2e-tiny/', urls.LOCAL_PYPI_SIMPLE_URL), { redirect: 'manual' });
    expect(missing.status).toBe(404); // not a redirect to the public index
    const env = cleanEnv({ POETRY_REPOSITORIES_LOCAL_URL: urls.POETRY_REPOSITORIES_LOCAL_URL });
    const build = await execa('poetry', ['build', '--no-interaction'], {
      cwd: dir,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(build.exitCode, build.all).toBe(0);
    const publish = await execa('poetry', ['publish', '-r', 'local', '--no-interaction'], {
      cwd: dir,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(publish.exitCode, publish.all).toBe(0);
    const page = await (await fetch(new URL('nxp-e2e-tiny/', urls.LOCAL_PYPI_SIMPLE_URL))).text();
    expect(page).toContain('nxp_e2e_tiny-0.1.0-py3-none-any.whl');
    expect(page).toContain('nxp_e2e_tiny-0.1.0.tar.gz');
    const again = await execa('poetry', ['publish', '-r', 'local', '--no-interaction'], {
      cwd: dir,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(again.exitCode).not.toBe(0); // an existing file is never overwritten
  }, 900_000);

  it('publishes an npm package to verdaccio with a token from NPM_TOKEN; npm view reads it back', async () => {
    const dir = join(root, 'npm-package');
    write(dir, { 'package.json': JSON.stringify({ name: '@nxp-e2e/tiny', version: '0.1.0', license: 'MIT' }) });
    const bogus = await npm(['publish'], dir, 'not-a-token');
    expect(bogus.exitCode).not.toBe(0);
    const npmToken = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'e2e', 'e2e-password');
    // logging in again gives a token verdaccio accepts as the same user
    const again = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'e2e', 'e2e-password');
    const whoami = await npm(['whoami'], dir, again);
    expect(whoami.exitCode, whoami.all).toBe(0);
    expect(whoami.stdout.trim()).toBe('e2e');
    await expect(verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'e2e', 'wrong-password')).rejects.toThrow(/HTTP 401/);
    const publish = await npm(['publish'], dir, npmToken);
    expect(publish.exitCode, publish.all).toBe(0);
    const view = await npm(['view', '@nxp-e2e/tiny', 'version'], dir, npmToken);
    expect(view.exitCode, view.all).toBe(0);
    expect(view.stdout.trim()).toBe('0.1.0');
    const missing = await npm(['view', 'left-pad', 'version'], dir, npmToken);
    expect(missing.exitCode).not.toBe(0); // no uplink: nothing comes from the public registry
  }, 900_000);

  it('keeps the token out of command lines, logs and registries.env', () => {
    for (const name of readdirSync(data).filter((f) => f.endsWith('.log') || f.endsWith('.env') || f === 'npmrc')) {
      expect(readFileSync(join(data, name), 'utf8'), name).not.toContain(token);
    }
    for (const registry of ['crates', 'pypi', 'npm']) {
      const pid = readFileSync(join(data, `${registry}.pid`), 'utf8').trim();
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), registry).not.toContain(token);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(
        environ.filter((v) => v.includes(token)),
        registry,
      ).toEqual(registry === 'crates' ? [`KELLNR_SETUP__ADMIN_TOKEN=${token}`] : []);
    }
  });

  it('stops every registry; they refuse connections, and stopping again is harmless', async () => {
    await stopRegistries(data);
    for (const url of [
      urls.CARGO_REGISTRIES_LOCAL_INDEX.replace(/^sparse\+/, ''),
      urls.POETRY_REPOSITORIES_LOCAL_URL,
      urls.NPM_CONFIG_REGISTRY,
    ]) {
      expect(await connectOutcome(url), url).toBe('ECONNREFUSED');
    }
    expect(readdirSync(data).filter((f) => f.endsWith('.pid'))).toEqual([]);
    await stopRegistries(data);
  }, 900_000);

  it('refuses to start kellnr on this data with another token, whose publishes would all be refused', async () => {
    const result = await execa('bash', [join(registriesTools, 'start.sh'), data, 'crates'], {
      env: cleanEnv({ CARGO_REGISTRIES_LOCAL_TOKEN: 'another-token' }),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(result.exitCode).toBe(3); // the token mismatch, which npm run main acts on
    expect(result.all).toMatch(/does not accept CARGO_REGISTRIES_LOCAL_TOKEN/);
    expect(existsSync(join(data, 'crates.pid'))).toBe(false);
    expect(await connectOutcome(urls.CARGO_REGISTRIES_LOCAL_INDEX.replace(/^sparse\+/, ''))).toBe('ECONNREFUSED');
  }, 900_000);

  it('starts again on the same data and ports, with the data and the token kept', async () => {
    expect(await startRegistries(data, token)).toEqual(urls);
    const entries = await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate);
    expect(entries?.map((e) => [e.vers, e.yanked])).toEqual([['0.1.0', false]]);
    const page = await (await fetch(new URL('nxp-e2e-tiny/', urls.LOCAL_PYPI_SIMPLE_URL))).text();
    expect(page).toContain('nxp_e2e_tiny-0.1.0.tar.gz');
    const npmToken = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'e2e', 'e2e-password');
    expect((await npm(['view', '@nxp-e2e/tiny', 'version'], root, npmToken)).stdout.trim()).toBe('0.1.0');
    // the admin token preset on the first start still authorises publishing
    const result = await cargo(['publish', '--registry', 'local', '--no-verify'], crateDir('0.1.1'), token);
    expect(result.exitCode, result.all).toBe(0);
    const after = await waitFor('0.1.1 in the index', async () => {
      const e = await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, crate);
      return e && e.length === 2 ? e : undefined;
    });
    expect(after.map((e) => e.vers)).toEqual(['0.1.0', '0.1.1']);
  }, 900_000);
});
