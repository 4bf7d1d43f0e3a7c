/**
 * `tfe deploy`: the commands that make a deployment's config and certificates.
 *
 *     tfe deploy init DIR --plan PLAN_DIR [--host ROLE=HOST:PORT]...   everything, one machine
 *     tfe deploy init DIR --plan PLAN_DIR --ca-only [--host ...]       deployment.json + CA (coordinator)
 *     tfe deploy init DIR --plan PLAN_DIR --role ROLE                  ROLE.key + ROLE.csr (one organisation)
 *     tfe deploy sign ROLE.csr --deployment DIR/deployment.json        ROLE.pem, signed with DIR/ca.key
 */
import { Command } from 'commander';
import { TfeError } from '../../src/errors.js';
import type { RuntimeIo } from '../cli.js';
// init.js (and the certificate library it loads) is imported when a deploy command runs,
// not at every start of the tfe executable.

const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface InitFlags {
  plan: string;
  host: string[];
  role?: string;
  caOnly?: boolean;
}

export function deployCommand(io: RuntimeIo): Command {
  const deploy = new Command('deploy').description('make a deployment: deployment.json, its CA and one key + certificate per role');
  const init = new Command('init')
    .description('write DIR/deployment.json, DIR/ca.pem + ca.key and DIR/ROLE.key + ROLE.pem for every role of the plan')
    .argument('<dir>', 'the folder to write (created if missing; existing files are never overwritten)')
    .requiredOption('--plan <dir>', 'the compiled plan folder (from `tfe compile -o DIR`)')
    .option('--host <role=host:port>', 'where a server or the dealer listens (repeatable; default: a free port on 127.0.0.1)', collect, [])
    .option('--ca-only', 'write deployment.json and the CA only; roles then make their own keys (--role) and get them signed (sign)')
    .option('--role <role>', "write only ROLE.key and a certificate request ROLE.csr: the key never leaves this organisation")
    .action(async (dir: string, f: InitFlags) => {
      if (f.role !== undefined) {
        if (f.caOnly || f.host.length > 0) throw new TfeError('E_ARG', '--role writes one role\'s key and request only; it takes no --ca-only or --host');
        const { initRole } = await import('./init.js');
        const files = await initRole({ dir, planDir: f.plan, role: f.role });
        io.out(`wrote ${files.join(', ')}\n`);
        io.out(`next: send ${files[1]} (not the key) to the deployment's coordinator for \`tfe deploy sign\`, and get back ${f.role}.pem, ca.pem and deployment.json\n`);
        return;
      }
      const { initDeployment } = await import('./init.js');
      const files = await initDeployment({ dir, planDir: f.plan, hosts: f.host, caOnly: f.caOnly });
      io.out(`wrote ${files.join(', ')}\n`);
      if (f.caOnly) io.out('next: each role runs `tfe deploy init DIR --plan PLAN_DIR --role ROLE` and sends ROLE.csr here for `tfe deploy sign`; keep ca.key here\n');
      else io.out('keep ca.key offline; give each organisation only deployment.json, ca.pem and its own ROLE.key + ROLE.pem\n');
    });
  const sign = new Command('sign')
    .description("sign a role's certificate request with the deployment CA (ca.key beside deployment.json); writes ROLE.pem beside it")
    .argument('<csr>', 'the ROLE.csr written by `tfe deploy init --role ROLE`')
    .requiredOption('--deployment <file>', 'the deployment.json written by `tfe deploy init --ca-only`')
    .action(async (csr: string, f: { deployment: string }) => {
      const { signRoleRequest } = await import('./init.js');
      const { role, file } = await signRoleRequest({ csr, deployment: f.deployment });
      io.out(`wrote ${file} (role ${role})\n`);
    });
  for (const c of [init, sign]) deploy.addCommand(c.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride());
  return deploy;
}
