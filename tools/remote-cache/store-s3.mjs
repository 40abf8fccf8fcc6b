// The distributed store: entries as objects <prefix><scope>/<hash> in an S3
// bucket (AWS S3 or any S3-compatible store), through AWS's SDK. Credentials
// come from the SDK's default chain (environment, shared config, SSO, web
// identity, container or instance roles) and are never logged.
//
// "Never overwrite" is the store's own rule, not ours: PutObject with
// `If-None-Match: *` creates the object only if the key is absent (412
// otherwise), so gateways racing on one key store exactly one entry; a
// PutObject either creates the whole object or nothing.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { StoreError } from './gateway.mjs';

/** { bucket, prefix?, endpoint?, region?, forcePathStyle? }; region and endpoint default to the SDK's chain. */
export function s3Store({ bucket, prefix = '', endpoint, region, forcePathStyle = false }) {
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  // Failures are reported by the gateway, one line per request; the SDK's own
  // lines (a warning for every refused upload: a 412 is an answer, not a fault) would be noise.
  const logger = { debug() {}, info() {}, warn: (m) => /non-retryable streaming/.test(m) || console.warn(m), error() {} };
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle,
    logger,
    // the body streams in as it arrives; S3 takes its checksummed chunks only from 8 KiB up
    requestStreamBufferSize: 64 * 1024,
  });
  const where = `s3://${bucket}/${prefix}${endpoint ? ` at ${endpoint}` : ''}`;
  const status = (e) => e.$metadata?.httpStatusCode;
  /** The store's answer as a StoreError: 503 if it did not answer or is failing, 502 if it refused. */
  const failed = (e) => {
    const code = status(e);
    const what = code ? `${code} ${e.name}: ${e.message}` : `${e.code ?? e.name}: ${e.message || 'no answer'}`;
    return new StoreError(what, code && code < 500 ? 502 : 503);
  };

  const exists = (key) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + key })).then(() => true, () => false);

  return {
    describe: where,
    region: () => client.config.region(),

    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return { size: object.ContentLength, body: object.Body };
      } catch (e) {
        if (e.name === 'NoSuchKey' || status(e) === 404) return undefined;
        throw failed(e);
      }
    },

    async put(key, body, length, abortSignal) {
      // The SDK wraps the body in streams of its own that throw, unhandled, the
      // error of a body cut off; given a pipe that never fails, it learns of a
      // client gone away from abortSignal instead, and drops the upload.
      const bytes = body.pipe(new PassThrough());
      const put = new PutObjectCommand({
        Bucket: bucket,
        Key: prefix + key,
        Body: bytes,
        ContentLength: length,
        ContentType: 'application/octet-stream',
        IfNoneMatch: '*',
      });
      try {
        await client.send(put, { abortSignal });
        return 'created';
      } catch (e) {
        // 412: the key exists. 409 (ConditionalRequestConflict): another
        // conditional write of the key is under way; it, not we, will store it.
        if (status(e) === 412 || status(e) === 409) return 'exists';
        if (abortSignal?.aborted) throw e;
        // A store may answer 412 before it read the body and close the
        // connection under our upload (EPIPE, ECONNRESET): then the key is there.
        if (!status(e) && (await exists(key))) return 'exists';
        throw failed(e);
      }
    },
  };
}
