/**
 * The PartyNetwork of a deployment: TCP + mutual TLS 1.3 to the addresses and with the
 * certificates deployment.json names (runtime/transport/tls.ts does the handshake, the
 * role check and the plan-id exchange). A role listens only if deployment.json gives
 * it an address; it dials its peers at theirs.
 */
import { splitAddress } from '../../src/deploy/config.js';
import { TfeError } from '../../src/errors.js';
import type { Role } from '../transport/types.js';
import { connectTls, listenTls } from '../transport/tls.js';
import { identityOf, type LoadedDeployment } from './config.js';
import type { PartyNetwork } from './party.js';

export function tlsNetwork(dep: LoadedDeployment, role: Role, planId: string, maxFrameBytes: number): PartyNetwork {
  const identity = identityOf(dep, role);
  const me = dep.roles.find((r) => r.name === role);
  const addressOf = (name: Role): { host: string; port: number } => {
    const r = dep.roles.find((x) => x.name === name);
    if (!r?.listen) throw new TfeError('E_ARG', `deployment.json gives ${name} no listen address, but ${role} must dial it`);
    return splitAddress(r.listen, `deployment.json ${name}.listen`);
  };
  return {
    async listen(peers, onLink, onError) {
      if (!me?.listen) return undefined;
      const { host, port } = splitAddress(me.listen, `deployment.json ${role}.listen`);
      return listenTls({ host, port, identity, planId, allowedPeers: peers, maxFrameBytes, onLink, onError });
    },
    dial(peer) {
      const { host, port } = addressOf(peer);
      return connectTls({ host, port, expectedPeer: peer, identity, planId, maxFrameBytes, connectTimeoutMs: dep.timeouts.connectMs });
    },
  };
}
