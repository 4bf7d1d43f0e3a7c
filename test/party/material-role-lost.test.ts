/**
 * The material role's link closes while the leader waits for its bundle (Pond's
 * dealer, securenn's server2, crashed on the request): the session fails at once with
 * an error naming it, instead of after the leader's 120 s material timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { decodeControl } from '../../runtime/transport/control.js';
import type { Link } from '../../runtime/transport/link.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { encodeInputs } from '../../runtime/party/prediction-io.js';
import { tapLink } from '../privacy/tap.js';

for (const protocol of ['pond', 'securenn']) {
  test(`${protocol}: the material role's link closes while the leader waits for a bundle: the prediction fails at once naming it`, async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol });
    const maker = protocol === 'pond' ? 'dealer' : 'server2';
    let crash = false;
    // the material role's end of its link to server0: once armed, a 'make' request closes it (the process died on it)
    const links = (a: string, b: string): [Link, Link] => {
      const [la, lb] = memoryLinkPair(a, b);
      if (a !== 'server0' || b !== maker) return [la, lb];
      const end: Link = tapLink(lb, () => undefined, (f) => {
        if (!crash || f.kind !== 'control' || decodeControl(f.payload, 'server0').type !== 'make') return undefined;
        lb.close();
        return 'drop';
      });
      return [la, end];
    };
    const d = await LocalDeployment.start(c.plan, c.weights, { links, receiveTimeoutMs: 60_000 });
    try {
      crash = true;
      const x = { shape: [3, 28, 28, 1], data: new Float64Array(3 * 784).fill(0.5) };
      const { env } = encodeInputs(c.plan, { [c.plan.inputs[0].name]: x });
      const t0 = performance.now();
      await assert.rejects(d.session('client', 'predict', 3, env), (e: unknown) => {
        assert.ok(e instanceof TfeError, String(e));
        assert.match(e.message, new RegExp(`${maker} \\(the material role\\) closed its connection`));
        return true;
      });
      assert.ok(performance.now() - t0 < 10_000, `failed after ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      d.close();
    }
  });
}
