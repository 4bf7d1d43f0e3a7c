/**
 * The listener over HTTPS (the `tls` option): a client that trusts the deployment CA gets the
 * metadata and a prediction; a client that does not trust it is refused by TLS. The
 * certificate is a role certificate of a fresh deployment CA (runtime/deploy/certs.ts), which
 * names its role, not a host, so the test client checks the chain and skips the host name.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import { EncryptedInferResponseSchema, ModelMetadataSchema } from '../../runtime/serve/oip.js';
import { startHarness, type Harness } from './http-harness.js';
import { expectedOutput, netAPlan, openInfer, randomWords, sealInfer } from './serve-fixtures.js';

let t: Harness;
let ca: string;
before(async () => {
  const plan = await netAPlan();
  const authority = await makeCa('tfe test CA');
  const leaf = await makeRoleCertificate('server0', authority);
  ca = authority.certPem;
  t = await startHarness(plan, { http: { tls: { cert: leaf.certPem, key: leaf.keyPem } } });
});
after(() => t.h.close());

function call(url: string, trust: string | undefined, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(trust === undefined ? {} : { ca: trust }),
      checkServerIdentity: () => undefined,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('https: metadata and a prediction for a client trusting the CA; refused by TLS otherwise', async () => {
  assert.match(t.h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const meta = await call(t.model, ca);
  assert.equal(meta.status, 200);
  assert.equal(ModelMetadataSchema.parse(meta.json).name, 'A');
  const x = randomWords(784);
  const sealed = await sealInfer(t.view, x, 1);
  const a = await call(`${t.model}/infer`, ca, sealed.body);
  assert.equal(a.status, 200);
  assert.deepEqual(await openInfer(t.view, sealed, EncryptedInferResponseSchema.parse(a.json), 1), expectedOutput(t.view.plan, x, 1));
  await assert.rejects(call(t.model, undefined), /self[- ]signed|unable to (get|verify)/i);
});
