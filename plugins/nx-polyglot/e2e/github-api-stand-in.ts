import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A stand-in for GitHub's REST API, which this machine cannot reach: the part
 * of the releases API that Nx's GitHub client uses (get a release by tag,
 * create, update), on 127.0.0.1, recording every request. Point Nx at it as a
 * GitHub Enterprise Server (`apiBaseUrl`).
 */
export async function startGithubApiStandIn(
  slug: string,
): Promise<{ apiBaseUrl: string; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const releases = new Map<string, { id: number; tag_name: string; body: string; html_url: string }>();
  const prefix = `/api/v3/repos/${slug}/releases`;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { method = '', url = '' } = req;
      requests.push({ method, url, headers: req.headers, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const byTag = url.startsWith(`${prefix}/tags/`)
        ? releases.get(decodeURIComponent(url.slice(`${prefix}/tags/`.length)))
        : undefined;
      if (method === 'GET' && url.startsWith(`${prefix}/tags/`))
        return byTag ? send(200, byTag) : send(404, { message: 'Not Found' });
      if (method === 'POST' && url === prefix) {
        const data = JSON.parse(body) as { tag_name: string; body: string };
        const release = {
          id: releases.size + 1,
          tag_name: data.tag_name,
          body: data.body,
          html_url: `https://github.example.test/${slug}/releases/tag/${data.tag_name}`,
        };
        releases.set(data.tag_name, release);
        return send(201, release);
      }
      const existing = [...releases.values()].find((r) => url === `${prefix}/${r.id}`);
      if (method === 'PATCH' && existing)
        return send(200, Object.assign(existing, { body: (JSON.parse(body) as { body: string }).body }));
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v3`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
