// The distributed store: entries as objects <prefix><scope>/<hash> in an S3
// bucket (AWS S3 or any S3-compatible store), through AWS's SDK. Credentials
// come from the SDK's default chain (environment, shared config, SSO, web
// identity, container or instance roles) and are never logged.
//
// "Never overwrite" is the store's own rule, not ours: PutObject with
// `If-None-Match: *` creates the object only if the key is absent (412
// otherwise), so gateways racing on one key store exactly one entry; a
// PutObject either creates the whole object or nothing.
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { StoreError } from './gateway.mjs';

/**
 * { bucket, prefix?, endpoint?, region?, forcePathStyle?, timeoutMs? }; region and endpoint default to
 * the SDK's chain. Every request to the store has a deadline, timeoutMs (30 s): a GET or HEAD that has
 * no answer by then, or an upload or download that moves no byte for that long, fails with a 503.
 */
export function s3Store({ bucket, prefix = '', endpoint, region, forcePathStyle = false, timeoutMs = 30_000 }) {
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
    // a store that accepts connections and never answers (stopped, overloaded) must not hold a request forever
    requestHandler: { connectionTimeout: timeoutMs, socketTimeout: timeoutMs },
    maxAttempts: 1,
  });
  const where = `s3://${bucket}/${prefix}${endpoint ? ` at ${endpoint}` : ''}`;
  const status = (e) => e.$metadata?.httpStatusCode;
  /** The store's answer as a StoreError: 503 if it did not answer or is failing, 502 if it refused. */
  const failed = (e, deadline) => {
    if (deadline?.aborted || e.name === 'TimeoutError') return new StoreError(`no answer within ${timeoutMs / 1000} s (the store is stalled or overloaded)`, 503);
    const code = status(e);
    const what = code ? `${code} ${e.name}: ${e.message}` : `${e.code ?? e.name}: ${e.message || 'no answer'}`;
    return new StoreError(what, code && code < 500 ? 502 : 503);
  };

  /** client.send with the deadline; `signal` (the client gone) aborts it too */
  const send = async (command, signal) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      return await client.send(command, { abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    } catch (e) {
      e.deadline = deadline;
      throw e;
    }
  };
  const exists = (key) => send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + key })).then(() => true, () => false);

  return {
    describe: where,
    region: () => client.config.region(),

    /** Called once at start: the bucket exists and this identity may list it (misses need s3:ListBucket). */
    async check() {
      try {
        await send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        const why = {
          301: `bucket ${bucket} is in another region than ${await client.config.region()}: pass its region`,
          403: `access to bucket ${bucket} denied${/^(Unknown|Forbidden)$/.test(e.name) ? '' : ` (${e.name})`}: the gateway's identity needs s3:ListBucket on it (and s3:GetObject, s3:PutObject on its keys)`,
          404: `bucket ${bucket} does not exist (check --s3-bucket)`,
        }[status(e)];
        throw why ? new StoreError(`${where}: ${why}`, 502) : failed(e, e.deadline);
      }
    },

    async get(key) {
      try {
        const object = await send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return { size: object.ContentLength, body: object.Body };
      } catch (e) {
        // only a missing key is a miss: a missing bucket (NoSuchBucket, also a 404) or a refusal is a fault
        if (e.name === 'NoSuchKey') return undefined;
        throw failed(e, e.deadline);
      }
    },

    /** The bytes stored in `scope` (ListObjectsV2, a page of 1000 keys a request). */
    async usage(scope) {
      let total = 0;
      let token;
      try {
        do {
          const page = await send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${scope}/`, ContinuationToken: token }));
          for (const object of page.Contents ?? []) total += object.Size ?? 0;
          token = page.NextContinuationToken;
        } while (token);
      } catch (e) {
        throw failed(e, e.deadline);
      }
      return total;
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
      // an upload may take long: its deadline is on progress (socketTimeout: no byte moved), not on the whole
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
      } finally {
        bytes.destroy();
        body.unpipe(bytes);
      }
    },
  };
}
