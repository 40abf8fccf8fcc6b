import { describe, expect, it } from 'vitest';
import { MASK, SecretFilter, knownSecrets, noteSecret, redact } from './known-secrets';

// a token with characters that URL-encoding and JSON escape, as real ones may have (`/`, `+`, `"`)
const TOKEN = 'pypi-AgEIcHlw/aS5vcmc+canary"Tok';
const env = { POETRY_PYPI_TOKEN_LOCAL: TOKEN, PATH: '/usr/bin', HOME: '/home/ci' };

describe('knownSecrets', () => {
  it('takes the values of the credential variables, and no other', () => {
    const secrets = {
      CARGO_REGISTRY_TOKEN: 'cargo-crates-io-1',
      CARGO_REGISTRIES_MY_REG_TOKEN: 'cargo-registry-2',
      POETRY_PYPI_TOKEN_PYPI: 'poetry-pypi-token-3',
      POETRY_HTTP_BASIC_LOCAL_PASSWORD: 'poetry-password-4',
      NPM_TOKEN: 'npm-token-5-abcdef',
      'npm_config_//registry.example/:_authToken': 'npm-config-auth-6',
      NX_CACHE_WRITE_TOKEN: 'cache-write-token-7',
      NX_CACHE_SERVER_SCOPE_KEY: 'cache-scope-key-8',
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'nx-remote-cache-9',
      GITHUB_TOKEN: 'ghp_github_token_10',
      GH_TOKEN: 'gho_github_token_11',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-key-12',
    };
    const others = {
      POETRY_HTTP_BASIC_LOCAL_USERNAME: 'release-user',
      CARGO_REGISTRIES_MY_REG_INDEX: 'sparse+http://127.0.0.1:8000/',
      NX_CACHE_URL: 'http://127.0.0.1:3000/',
      PATH: '/usr/local/bin:/usr/bin',
    };
    expect(knownSecrets({ ...secrets, ...others }).sort()).toEqual(Object.values(secrets).sort());
  });

  it('ignores values too short to be a secret, which would mask every dot or digit printed', () => {
    expect(knownSecrets({ POETRY_HTTP_BASIC_LOCAL_PASSWORD: '.', NPM_TOKEN: '1234567' })).toEqual([]);
    expect(redact('version 1.2.3 in 1234567.', { POETRY_HTTP_BASIC_LOCAL_PASSWORD: '.', NPM_TOKEN: '1234567' })).toBe(
      'version 1.2.3 in 1234567.',
    );
  });
});

describe('redact', () => {
  const forms: Array<[string, string]> = [
    ['as it is', `detail: token ${TOKEN}`],
    ['URL-encoded', `GET /simple/?token=${encodeURIComponent(TOKEN)}`],
    [
      'URL-encoded, lowercase escapes',
      `x=${encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`,
    ],
    ['JSON-escaped', JSON.stringify({ errors: [{ detail: `token ${TOKEN}` }] })],
    ['in a Basic header', `authorization: Basic ${Buffer.from(`__token__:${TOKEN}`).toString('base64')}`],
    ['in a Basic header (another user)', `Basic ${Buffer.from(`ab:${TOKEN}`).toString('base64')}`],
    ['in a Basic header (a third alignment)', `Basic ${Buffer.from(`abc:${TOKEN}`).toString('base64')}`],
  ];

  it.each(forms)('hides the secret %s', (_, text) => {
    const hidden = redact(text, env);
    expect(hidden).toContain(MASK);
    expect(hidden).not.toContain(TOKEN);
    expect(hidden).not.toContain(encodeURIComponent(TOKEN));
    // what is left of a base64 form are at most two characters at each end: no run of the encoded secret remains
    for (const offset of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(TOKEN)]).toString('base64');
      expect(hidden).not.toContain(encoded.slice(3, 12));
    }
  });

  it('hides the password of a URL, which no variable may hold', () => {
    expect(redact('pushing to https://x-access-token:ghs_16C7e42F292c6912E7710c8@github.com/o/r.git', {})).toBe(
      'pushing to https://x-access-token:***@github.com/o/r.git',
    );
    expect(redact('index sparse+https://ci:pa55word@registry.example/index/ (user ci)', {})).toBe(
      'index sparse+https://ci:***@registry.example/index/ (user ci)',
    );
    // no password, or no user information at all: nothing to hide
    const plain = 'https://user@host/a http://127.0.0.1:8000/api/v1/crates/new git@github.com:o/r.git';
    expect(redact(plain, {})).toBe(plain);
  });

  it('leaves a text without secrets as it is', () => {
    const text = 'error: failed to publish to registry at http://127.0.0.1:8000\n\nCaused by:\n  403 Forbidden\n';
    expect(redact(text, env)).toBe(text);
  });

  it('hides a secret in a Buffer, byte for byte', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(`é ${TOKEN} ü`), Buffer.from([0xfe])]);
    const hidden = redact(bytes, env);
    expect(hidden.includes(Buffer.from(TOKEN))).toBe(false);
    expect(hidden).toEqual(Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(`é ${MASK} ü`), Buffer.from([0xfe])]));
  });

  it('hides a token the plugin read from a file, which no variable holds', () => {
    const fromFile = 'token-from-credentials-toml';
    expect(redact(`echo ${fromFile}`, {})).toContain(fromFile);
    noteSecret(fromFile);
    expect(redact(`echo ${fromFile}`, {})).toBe(`echo ${MASK}`);
  });

  it('hides a secret that contains another whole', () => {
    const both = { NPM_TOKEN: 'inner-token', GITHUB_TOKEN: 'outer-inner-token-x' };
    expect(redact('a outer-inner-token-x b inner-token', both)).toBe(`a ${MASK} b ${MASK}`);
  });
});

describe('SecretFilter', () => {
  const text = `  the remote server responded with an error (status 403 Forbidden): token ${TOKEN}\nnext line ${TOKEN}`;
  const expected = redact(text, env);
  const through = (chunks: string[]) => {
    const filter = new SecretFilter(env);
    const out = chunks.map((c) => filter.write(c));
    return { out, all: out.join('') + filter.end() };
  };

  it('hides a secret split over two chunks, wherever the split falls', () => {
    for (let at = 0; at <= text.length; at++) {
      const { all, out } = through([text.slice(0, at), text.slice(at)]);
      expect(all).toBe(expected);
      for (const chunk of out) expect(chunk).not.toMatch(/canary/);
    }
  });

  it('hides a secret arriving a character at a time', () => {
    const { all, out } = through([...text]);
    expect(all).toBe(expected);
    expect(out.join('')).not.toContain(TOKEN.slice(0, 12));
  });

  it('passes on at once what cannot be the start of a secret, so live output stays live', () => {
    const filter = new SecretFilter(env);
    expect(filter.write('   Uploading demo v0.1.0\n')).toBe('   Uploading demo v0.1.0\n');
    // the start of the token is held until the next chunk says whether it is one
    expect(filter.write('token pypi-AgE')).toBe('token ');
    expect(filter.write('xyz\n')).toBe('pypi-AgExyz\n');
    expect(filter.end()).toBe('');
  });

  it('gives back what it held when the stream ends', () => {
    const filter = new SecretFilter(env);
    expect(filter.write('ends with pypi-Ag')).toBe('ends with ');
    expect(filter.end()).toBe('pypi-Ag');
  });
});
