/**
 * The model pods' IRSA role against the model revisions (K8s #13, #17), through a real IAM evaluator
 * (@cloud-copilot/iam-simulate) over the permissions generated in irsa.tf: the fetch-model init container reads its
 * own model's revision (config.pbtxt and model.onnx under <model>/<revision>/), and nothing else: not another
 * model's revision, and no write or delete anywhere in the bucket.
 */
import { parseHcl as parse } from '../helpers/hcl.js';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { filesOf, irOf } from '../helpers/platform.js';

type Json = Record<string, any>;
const SPECS = ['platform.yaml', 'examples/multi-region-prod.yaml', 'examples/multi-model-teams.yaml'];

describe('model role and model revisions (iam-simulate)', () => {
  it.each(SPECS)('%s: each model role reads its own revision, no other model, and writes nothing', async (spec) => {
    const ir = irOf(spec);
    const files = filesOf(ir);
    for (const env of ir.environments) {
      for (const r of env.regions) {
        const hcl = (await parse('irsa.tf', files.find((f) => f.path === `terraform/${env.name}/${r.region}/infra/irsa.tf`)!.content)) as Json;
        for (const d of r.deployments) {
          const module = hcl.module[`irsa_triton_${d.model.replace(/-/g, '_')}`][0] as Json;
          const permissions = module.permissions as Record<string, { actions: string[]; resources: string[] }>;
          // The IRSA module turns each entry of `permissions` into an Allow statement with that Sid.
          const policy = { Version: '2012-10-17', Statement: Object.entries(permissions).map(([Sid, p]) => ({ Sid, Effect: 'Allow', Action: p.actions, Resource: p.resources })) };
          const decide = async (action: string, key: string) => {
            const res = await runSimulation(
              {
                identityPolicies: [{ name: 'triton', policy }],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                request: { action, principal: `arn:aws:iam::${env.account}:role/${d.roleName}`, resource: { accountId: env.account, resource: `arn:aws:s3:::${r.names.modelBucket}/${key}` }, contextVariables: {} },
              },
              {},
            );
            if (res.resultType === 'error') throw new Error(JSON.stringify(res.errors));
            return res.overallResult;
          };
          const own = ir.models.find((m) => m.name === d.model)!;
          for (const key of [own.repository.configKey, own.repository.weightsKey]) {
            expect(await decide('s3:GetObject', key), `${d.model} reads ${key}`).toBe('Allowed');
            for (const write of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']) expect(await decide(write, key), `${d.model} ${write} ${key}`).not.toBe('Allowed');
          }
          for (const other of ir.models.filter((m) => m.name !== d.model)) {
            expect(await decide('s3:GetObject', other.repository.weightsKey), `${d.model} reads ${other.name}`).not.toBe('Allowed');
          }
        }
      }
    }
  });
});
